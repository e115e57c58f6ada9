"""The renderer benchmark reports sane figures."""

from meshsmith.render.benchmark import benchmark_mesh, benchmark_render


def test_benchmark_mesh_face_count():
    assert abs(len(benchmark_mesh(10_000).faces) - 10_000) < 600


def test_benchmark_render_reports_rates():
    result = benchmark_render(faces=800, sizes=(32, 48), views=2, repeats=1)
    assert result["views"] == 2 and abs(result["faces"] - 800) < 200
    assert result["renderer"]
    assert set(result["sizes"]) == {32, 48}
    for figures in result["sizes"].values():
        assert figures["full_views_per_s"] > 0 and figures["rgba_views_per_s"] > 0
        assert abs(figures["full_ms_per_view"] * figures["full_views_per_s"] - 1000) < 1e-6
