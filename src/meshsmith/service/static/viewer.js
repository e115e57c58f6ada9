// The 3D viewer: one GLB at a time, orbit controls, room environment light, display toggles.
import * as THREE from "three";
import { OrbitControls } from "three/addons/controls/OrbitControls.js";
import { GLTFLoader } from "three/addons/loaders/GLTFLoader.js";
import { RoomEnvironment } from "three/addons/environments/RoomEnvironment.js";

const BACKGROUND = 0xeef0f4;
// Texture slots of MeshStandardMaterial that the "texture" toggle switches off.
const MAP_SLOTS = ["map", "normalMap", "roughnessMap", "metalnessMap", "aoMap", "emissiveMap"];

/**
 * What WebGL this browser offers: null without WebGL2, else {software} where software is true
 * for CPU rasterisers (SwiftShader, llvmpipe), on which multisampling is skipped as too costly.
 */
export function probeWebgl() {
  const gl = document.createElement("canvas").getContext("webgl2");
  if (!gl) return null;
  const info = gl.getExtension("WEBGL_debug_renderer_info");
  const name = info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : "";
  gl.getExtension("WEBGL_lose_context")?.loseContext();
  return { software: /swiftshader|llvmpipe|software/i.test(name) };
}

/**
 * Renders into `canvas` on demand (not every frame) so an idle page costs nothing;
 * the turntable and damped orbiting keep frames coming while they move.
 * Assets are in metres, +Y up, standing on y = 0 (the pipeline's convention).
 */
export class Viewer {
  constructor(canvas, { antialias = true } = {}) {
    this.canvas = canvas;
    // preserveDrawingBuffer keeps the last frame readable (screenshots, pixel checks).
    this.renderer = new THREE.WebGLRenderer({ canvas, antialias, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
    this.renderer.toneMapping = THREE.ACESFilmicToneMapping;
    this.renderer.outputColorSpace = THREE.SRGBColorSpace;

    this.scene = new THREE.Scene();
    this.scene.background = new THREE.Color(BACKGROUND);
    this.scene.add(this.#makeGround());

    this.camera = new THREE.PerspectiveCamera(40, 1, 0.01, 100);
    this.camera.position.set(1.6, 1.1, 1.9);
    this.controls = new OrbitControls(this.camera, canvas);
    this.controls.enableDamping = true;
    this.controls.autoRotateSpeed = 2.0;
    this.controls.target.set(0, 0.4, 0);
    this.controls.addEventListener("change", () => this.requestRender());

    this.model = null;
    this.wireframe = false;
    this.textures = true;
    this.frame = null;
    this.lastFrame = performance.now();
    new ResizeObserver(() => this.#resize()).observe(canvas.parentElement);
    this.#resize();
  }

  /** Show a GLB given as an ArrayBuffer; returns {triangles, vertices, size: [x, y, z] m}. */
  async show(buffer) {
    const gltf = await new GLTFLoader().parseAsync(buffer, "");
    this.#ensureEnvironment();
    this.clear();
    this.model = gltf.scene;
    let triangles = 0;
    let vertices = 0;
    this.model.traverse((node) => {
      if (!node.isMesh) return;
      const geometry = node.geometry;
      vertices += geometry.attributes.position.count;
      triangles += (geometry.index ? geometry.index.count : geometry.attributes.position.count) / 3;
      for (const material of [node.material].flat()) {
        material.userData.maps = Object.fromEntries(MAP_SLOTS.map((s) => [s, material[s]]));
      }
    });
    this.scene.add(this.model);
    this.ground.visible = true;
    this.#applyMaterials();
    const size = this.#frameModel();
    this.requestRender();
    return { triangles, vertices, size: size.toArray() };
  }

  clear() {
    if (!this.model) return;
    this.scene.remove(this.model);
    this.model.traverse((node) => {
      if (!node.isMesh) return;
      node.geometry.dispose();
      for (const material of [node.material].flat()) {
        for (const slot of MAP_SLOTS) material.userData.maps?.[slot]?.dispose();
        material.dispose();
      }
    });
    this.model = null;
    this.ground.visible = false;
    this.requestRender();
  }

  setWireframe(on) {
    this.wireframe = on;
    this.#applyMaterials();
  }

  setTextures(on) {
    this.textures = on;
    this.#applyMaterials();
  }

  setTurntable(on) {
    this.controls.autoRotate = on;
    this.requestRender();
  }

  resetView() {
    if (this.model) this.#frameModel();
    this.requestRender();
  }

  requestRender() {
    if (this.frame === null) this.frame = requestAnimationFrame(() => this.#render());
  }

  /**
   * The room's light, prefiltered for PBR (PMREM). Built when the first model arrives rather
   * than at page load: it is the costliest GPU work here, and in software WebGL (SwiftShader)
   * it takes seconds. 128 px is plenty for these mostly rough materials.
   */
  #ensureEnvironment() {
    if (this.scene.environment) return;
    const pmrem = new THREE.PMREMGenerator(this.renderer);
    const room = new RoomEnvironment();
    this.scene.environment = pmrem.fromScene(room, 0.04, 0.1, 100, { size: 128 }).texture;
    room.dispose();
    pmrem.dispose();
  }

  #render() {
    this.frame = null;
    // Time-based turntable speed; a long stall (hidden tab) counts as a short step.
    const now = performance.now();
    const delta = Math.min((now - this.lastFrame) / 1000, 0.25);
    this.lastFrame = now;
    // update() reports whether the camera still moves (damping, turntable).
    const moving = this.controls.update(delta);
    this.renderer.render(this.scene, this.camera);
    if (moving || this.controls.autoRotate) this.requestRender();
  }

  #applyMaterials() {
    this.model?.traverse((node) => {
      if (!node.isMesh) return;
      for (const material of [node.material].flat()) {
        for (const slot of MAP_SLOTS) {
          material[slot] = this.textures ? material.userData.maps[slot] ?? null : null;
        }
        material.wireframe = this.wireframe;
        material.needsUpdate = true;
      }
    });
    this.requestRender();
  }

  /** Point the camera at the model from a three-quarter view; returns its size in metres. */
  #frameModel() {
    const box = new THREE.Box3().setFromObject(this.model);
    const size = box.getSize(new THREE.Vector3());
    const center = box.getCenter(new THREE.Vector3());
    const radius = Math.max(size.length() / 2, 1e-3);
    const distance = radius / Math.sin(THREE.MathUtils.degToRad(this.camera.fov / 2)) * 1.05;
    const direction = new THREE.Vector3(0.9, 0.55, 1.1).normalize();
    this.camera.position.copy(center).addScaledVector(direction, distance);
    this.camera.near = distance / 100;
    this.camera.far = distance * 100;
    this.camera.updateProjectionMatrix();
    this.controls.target.copy(center);
    this.controls.minDistance = radius * 0.3;
    this.controls.maxDistance = distance * 6;
    this.ground.scale.setScalar(Math.max(size.x, size.z, 0.2) * 1.4);
    this.ground.position.y = box.min.y - 1e-4;
    this.controls.update();
    return size;
  }

  /** A soft round contact shadow under the model, drawn from a radial gradient. */
  #makeGround() {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 128;
    const ctx = canvas.getContext("2d");
    const gradient = ctx.createRadialGradient(64, 64, 0, 64, 64, 64);
    gradient.addColorStop(0, "rgba(30, 35, 50, 0.25)");
    gradient.addColorStop(1, "rgba(30, 35, 50, 0)");
    ctx.fillStyle = gradient;
    ctx.fillRect(0, 0, 128, 128);
    const material = new THREE.MeshBasicMaterial({
      map: new THREE.CanvasTexture(canvas),
      transparent: true,
      depthWrite: false,
    });
    this.ground = new THREE.Mesh(new THREE.PlaneGeometry(1, 1), material);
    this.ground.rotation.x = -Math.PI / 2;
    this.ground.visible = false;
    return this.ground;
  }

  #resize() {
    const { clientWidth: width, clientHeight: height } = this.canvas.parentElement;
    if (!width || !height) return;
    this.renderer.setSize(width, height, false);
    this.camera.aspect = width / height;
    this.camera.updateProjectionMatrix();
    this.requestRender();
  }
}
