"""GLSL sources (OpenGL 3.3 core) for deferred shading.

Pass 0 lays down depth. Pass 1 draws the mesh into a G-buffer: albedo and
occlusion, geometry (world normal xyz, metric depth w; also a render output),
the normal-mapped shading normal and roughness, emissive and metallic. Pass 2
lights every covered pixel once: linear metallic-roughness PBR (GGX
distribution, height-correlated Smith visibility, Schlick Fresnel), a sky/ground
hemisphere for ambient light, the brightest light shadowed through a shadow
map, then the Khronos PBR Neutral tone map and the sRGB transfer function into
an RGBA8 target.
"""

# Pass 0 (depth pre-pass) and pass 1 share this vertex shader; `invariant` makes
# both produce bit-identical depths, so pass 1 can test with <= and shade only
# the visible fragments.
SURFACE_VERTEX = """
#version 330
invariant gl_Position;
uniform mat4 u_view;
uniform mat4 u_proj;
in vec3 in_position;
in vec3 in_normal;
in vec2 in_uv;
in vec4 in_color;
out vec3 v_world;
out vec3 v_normal;
out vec2 v_uv;
out vec4 v_color;
out float v_depth;
void main() {
    vec4 view = u_view * vec4(in_position, 1.0);
    v_depth = -view.z;
    v_world = in_position;
    v_normal = in_normal;
    v_uv = in_uv;
    v_color = in_color;
    gl_Position = u_proj * view;
}
"""

DEPTH_FRAGMENT = """
#version 330
void main() {}
"""

# Pass 1 (per part): sample the material and write a G-buffer. Compiled twice: with
# ALPHA_MASK defined for glTF MASK materials, without for the rest, because a
# shader that can discard loses early depth testing.
SURFACE_FRAGMENT = """
uniform vec3 u_camera_pos;
uniform vec4 u_base_color;
uniform float u_metallic;
uniform float u_roughness;
uniform vec3 u_emissive;
uniform float u_alpha_cutoff;
uniform float u_normal_scale;
uniform bool u_use_vertex_color;
uniform bool u_has_base_color_tex;
uniform bool u_has_mr_tex;
uniform bool u_has_normal_tex;
uniform bool u_has_occlusion_tex;
uniform bool u_has_emissive_tex;
uniform sampler2D u_base_color_tex;
uniform sampler2D u_mr_tex;
uniform sampler2D u_normal_tex;
uniform sampler2D u_occlusion_tex;
uniform sampler2D u_emissive_tex;

in vec3 v_world;
in vec3 v_normal;
in vec2 v_uv;
in vec4 v_color;
in float v_depth;
// Targets 0, 2 and 3 are RGBA8 (cheaper to write than floats on llvmpipe); the base
// colour is stored as its square root so that 8 bits keep dark tones smooth.
layout(location = 0) out vec4 out_albedo;    // sqrt(linear base colour), occlusion
layout(location = 1) out vec4 out_geometry;  // surface normal, depth (a render output)
layout(location = 2) out vec4 out_shading;   // normal-mapped normal * 0.5 + 0.5, roughness
layout(location = 3) out vec4 out_extra;     // emissive (clipped to 1), metallic

vec3 srgb_to_linear(vec3 c) {
    return mix(c / 12.92, pow((c + 0.055) / 1.055, vec3(2.4)), step(0.04045, c));
}

void main() {
    vec3 view_dir = normalize(u_camera_pos - v_world);
    vec3 dpdx = dFdx(v_world);
    vec3 dpdy = dFdy(v_world);
    vec3 geo_n = cross(dpdx, dpdy);
    geo_n = length(geo_n) > 0.0 ? normalize(geo_n) : view_dir;
    if (dot(geo_n, view_dir) < 0.0) geo_n = -geo_n;
    // Two-sided: flip normals of faces seen from behind; the geometric normal, not
    // the interpolated one, decides, so smooth silhouettes are not flipped.
    vec3 n = normalize(v_normal);
    if (dot(n, geo_n) < 0.0) n = -n;
    vec3 surface_n = n;

    vec2 tex_uv = vec2(v_uv.x, 1.0 - v_uv.y);  // trimesh UV origin is the image's bottom
    vec4 base = u_base_color;
    if (u_use_vertex_color) base *= vec4(srgb_to_linear(v_color.rgb), v_color.a);
    if (u_has_base_color_tex) base *= texture(u_base_color_tex, tex_uv);
#ifdef ALPHA_MASK
    if (base.a < u_alpha_cutoff) discard;
#endif
    float metallic = u_metallic;
    float roughness = u_roughness;
    if (u_has_mr_tex) {
        vec4 mr = texture(u_mr_tex, tex_uv);
        roughness *= mr.g;
        metallic *= mr.b;
    }
    if (u_has_normal_tex) {
        // Cotangent frame from screen derivatives; det's sign keeps it right under
        // the flipped projection and mirrored UVs.
        vec2 duvdx = dFdx(v_uv);
        vec2 duvdy = dFdy(v_uv);
        vec3 perp_y = cross(dpdy, n);
        vec3 perp_x = cross(n, dpdx);
        vec3 t = perp_y * duvdx.x + perp_x * duvdy.x;
        vec3 b = perp_y * duvdx.y + perp_x * duvdy.y;
        float det = dot(dpdx, perp_y);
        float scale = max(dot(t, t), dot(b, b));
        if (scale > 0.0 && det != 0.0) {
            scale = sign(det) * inversesqrt(scale);
            vec3 tn = texture(u_normal_tex, tex_uv).xyz * 2.0 - 1.0;
            tn.xy *= u_normal_scale;
            vec3 mapped = mat3(t * scale, b * scale, n) * tn;
            if (dot(mapped, mapped) > 0.0) n = normalize(mapped);
        }
    }
    float occlusion = u_has_occlusion_tex ? texture(u_occlusion_tex, tex_uv).r : 1.0;
    vec3 emissive = u_emissive;
    if (u_has_emissive_tex) emissive *= texture(u_emissive_tex, tex_uv).rgb;

    out_albedo = vec4(sqrt(base.rgb), occlusion);
    out_geometry = vec4(surface_n, v_depth);
    out_shading = vec4(n * 0.5 + 0.5, roughness);
    out_extra = vec4(emissive, metallic);
}
"""


def surface_fragment(alpha_mask: bool) -> str:
    """The pass-1 fragment shader, with or without alpha-mask discards."""
    return "#version 330\n" + ("#define ALPHA_MASK\n" if alpha_mask else "") + SURFACE_FRAGMENT


# Pass 2 (once per pixel): light the G-buffer. Shading per pixel rather than per
# triangle matters on llvmpipe, which shades whole 4x4 blocks for small triangles.
# The full-screen triangle sits at the far plane (depth 1): with the depth test set
# to "greater" it reaches only pixels that the mesh covers.
LIGHT_VERTEX = """
#version 330
void main() {
    vec2 corner = vec2((gl_VertexID << 1) & 2, gl_VertexID & 2);
    gl_Position = vec4(corner * 2.0 - 1.0, 1.0, 1.0);
}
"""

LIGHT_FRAGMENT = """
#version 330
const float PI = 3.14159265358979;
const int MAX_LIGHTS = 4;

uniform sampler2D u_albedo;
uniform sampler2D u_geometry;
uniform sampler2D u_shading;
uniform sampler2D u_extra;
uniform mat4 u_camera_to_world_cv;
uniform mat3 u_inv_K;
uniform int u_num_lights;
uniform vec3 u_light_dir[MAX_LIGHTS];
uniform vec3 u_light_radiance[MAX_LIGHTS];
uniform vec3 u_sky;
uniform vec3 u_ground;
uniform float u_exposure;
uniform sampler2DShadow u_shadow_map;
uniform mat4 u_shadow_matrix;  // world -> shadow-map coordinates in [0, 1]
uniform int u_shadow_light;    // index of the light that casts shadows, -1 for none
uniform float u_shadow_offset; // normal offset in metres, about a shadow-map texel
uniform float u_shadow_texel;  // one texel in shadow-map coordinates
out vec4 out_color;

// Fraction of the shadow light that reaches `world`: four hardware-filtered
// comparisons (a smooth 3x3 percentage-closer filter).
float shadow_visibility(vec3 world, vec3 normal) {
    vec3 p = (u_shadow_matrix * vec4(world + normal * u_shadow_offset, 1.0)).xyz;
    float d = u_shadow_texel;
    p.z -= d;  // about one texel of depth bias, against acne
    float sum = texture(u_shadow_map, vec3(p.xy + vec2(-0.5, -0.5) * d, p.z));
    sum += texture(u_shadow_map, vec3(p.xy + vec2(0.5, -0.5) * d, p.z));
    sum += texture(u_shadow_map, vec3(p.xy + vec2(-0.5, 0.5) * d, p.z));
    sum += texture(u_shadow_map, vec3(p.xy + vec2(0.5, 0.5) * d, p.z));
    return 0.25 * sum;
}

vec3 linear_to_srgb(vec3 c) {
    c = clamp(c, 0.0, 1.0);
    return mix(12.92 * c, 1.055 * pow(c, vec3(1.0 / 2.4)) - 0.055, step(0.0031308, c));
}

// Khronos PBR Neutral: keeps base colours faithful below ~0.8 and rolls off highlights.
vec3 tone_map(vec3 color) {
    const float start = 0.76;
    const float desaturation = 0.15;
    float x = min(color.r, min(color.g, color.b));
    float offset = x < 0.08 ? x - 6.25 * x * x : 0.04;
    color -= offset;
    float peak = max(color.r, max(color.g, color.b));
    if (peak < start) return color;
    const float d = 1.0 - start;
    float new_peak = 1.0 - d * d / (peak + d - start);
    color *= new_peak / peak;
    float g = 1.0 - 1.0 / (desaturation * (peak - new_peak) + 1.0);
    return mix(color, vec3(new_peak), g);
}

float d_ggx(float n_dot_h, float a) {
    float a2 = a * a;
    float d = n_dot_h * n_dot_h * (a2 - 1.0) + 1.0;
    return a2 / (PI * d * d);
}

float v_smith(float n_dot_v, float n_dot_l, float a) {
    float a2 = a * a;
    float gv = n_dot_l * sqrt(n_dot_v * n_dot_v * (1.0 - a2) + a2);
    float gl = n_dot_v * sqrt(n_dot_l * n_dot_l * (1.0 - a2) + a2);
    return 0.5 / max(gv + gl, 1e-6);
}

vec3 f_schlick(vec3 f0, float v_dot_h) {
    float m = 1.0 - v_dot_h;
    float m2 = m * m;
    return f0 + (1.0 - f0) * (m2 * m2 * m);
}

// Karis' analytic fit of the split-sum environment BRDF.
vec2 env_brdf(float roughness, float n_dot_v) {
    vec4 r = roughness * vec4(-1.0, -0.0275, -0.572, 0.022) + vec4(1.0, 0.0425, 1.04, -0.04);
    float a004 = min(r.x * r.x, exp2(-9.28 * n_dot_v)) * r.x + r.y;
    return vec2(-1.04, 1.04) * a004 + r.zw;
}

vec3 hemisphere(vec3 dir) {
    return mix(u_ground, u_sky, smoothstep(-0.3, 0.3, dir.y));
}

void main() {
    ivec2 pixel = ivec2(gl_FragCoord.xy);
    vec4 geometry = texelFetch(u_geometry, pixel, 0);
    float depth = geometry.w;
    vec4 albedo = texelFetch(u_albedo, pixel, 0);
    vec4 shading = texelFetch(u_shading, pixel, 0);
    vec4 extra = texelFetch(u_extra, pixel, 0);
    // Framebuffer row 0 is image row 0 (the projection flips Y), so gl_FragCoord is (u, v).
    vec3 ray = u_inv_K * vec3(gl_FragCoord.xy, 1.0);
    vec3 world = (u_camera_to_world_cv * vec4(ray * (depth / ray.z), 1.0)).xyz;
    vec3 view_dir = normalize(u_camera_to_world_cv[3].xyz - world);

    vec3 n = normalize(shading.xyz * 2.0 - 1.0);
    float roughness = clamp(shading.w, 0.045, 1.0);
    float metallic = extra.w;
    vec3 base = albedo.rgb * albedo.rgb;
    float a = roughness * roughness;
    vec3 f0 = mix(vec3(0.04), base, metallic);
    vec3 diffuse_color = base * (1.0 - metallic);
    float n_dot_v = clamp(dot(n, view_dir), 1e-4, 1.0);
    vec3 color = vec3(0.0);
    for (int i = 0; i < u_num_lights; ++i) {
        vec3 l = u_light_dir[i];
        float n_dot_l = dot(n, l);
        if (n_dot_l <= 0.0) continue;
        float visibility = i == u_shadow_light ? shadow_visibility(world, geometry.xyz) : 1.0;
        if (visibility <= 0.0) continue;
        vec3 h = normalize(l + view_dir);
        vec3 f = f_schlick(f0, clamp(dot(view_dir, h), 0.0, 1.0));
        float spec = d_ggx(clamp(dot(n, h), 0.0, 1.0), a) * v_smith(n_dot_v, n_dot_l, a);
        // Radiance is scaled so that a white Lambertian surface facing the light returns it.
        color += ((1.0 - f) * diffuse_color + PI * f * spec) * u_light_radiance[i]
            * (n_dot_l * visibility);
    }
    vec3 irradiance = mix(u_ground, u_sky, 0.5 + 0.5 * n.y);
    vec3 r = reflect(-view_dir, n);
    vec3 env = mix(hemisphere(r), irradiance, a);
    vec2 ab = env_brdf(roughness, n_dot_v);
    color += albedo.a * (diffuse_color * irradiance + env * (f0 * ab.x + ab.y));
    color += extra.rgb;
    out_color = vec4(linear_to_srgb(tone_map(color * u_exposure)), 1.0);
}
"""

# Draws each triangle at its UV coordinates to find the surface point under every texel.
UV_VERTEX = """
#version 330
in vec3 in_position;
in vec3 in_normal;
in vec2 in_uv;
out vec3 v_world;
out vec3 v_normal;
void main() {
    v_world = in_position;
    v_normal = in_normal;
    // Row 0 of the target is the image's top row, where trimesh's v is 1.
    gl_Position = vec4(in_uv.x * 2.0 - 1.0, 1.0 - in_uv.y * 2.0, 0.0, 1.0);
}
"""

UV_FRAGMENT = """
#version 330
in vec3 v_world;
in vec3 v_normal;
layout(location = 0) out vec4 out_position;
layout(location = 1) out vec4 out_normal;
void main() {
    out_position = vec4(v_world, 1.0);
    out_normal = vec4(normalize(v_normal), 1.0);
}
"""
