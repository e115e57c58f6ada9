"""Flow prior: conditions, CFG dropout, patching, sampling, and that it learns."""

from __future__ import annotations

import torch

from meshsmith.models.config import AutoencoderConfig, PriorConfig
from meshsmith.models.prior import Condition, FlowPrior

LATENT = AutoencoderConfig(latent_res=4, latent_channels=2)
SHAPE = LATENT.latent_shape  # (3, 2, 4, 4)


def make_prior(**kw) -> FlowPrior:
    torch.manual_seed(0)
    config = PriorConfig(**{"width": 32, "depth": 1, "heads": 2, "patch": 2, **kw})
    return FlowPrior(config, LATENT, text_width=6, image_width=5)


def test_condition_cat_pads_token_lists():
    a = Condition(torch.ones(1, 2, 4), torch.ones(1, 2, dtype=torch.bool), torch.ones(1, 4))
    b = Condition(torch.ones(2, 3, 4), torch.ones(2, 3, dtype=torch.bool), torch.zeros(2, 4))
    c = Condition.cat([a, b])
    assert c.tokens.shape == (3, 3, 4)
    assert c.mask.tolist() == [[True, True, False], [True] * 3, [True] * 3]
    assert torch.equal(c.tokens[0, 2], torch.zeros(4))


def test_dropped_rows_become_the_null_condition():
    prior = make_prior()
    cond = prior.condition(
        "text", torch.randn(3, 4, 6), torch.ones(3, 4, dtype=torch.bool), torch.randn(3, 6)
    )
    dropped = prior.drop(cond, torch.tensor([False, True, False]))
    null = prior.null(1)
    assert torch.equal(dropped.tokens[1, 0], null.tokens[0, 0])
    assert dropped.mask[1].tolist() == [True, False, False, False]
    assert torch.equal(dropped.pooled[1], null.pooled[0])
    assert torch.equal(dropped.tokens[0], cond.tokens[0])


def test_patchify_round_trips():
    prior = make_prior()
    x = torch.randn(2, *SHAPE)
    tokens = prior._patchify(x)
    assert tokens.shape == (2, 3 * 4, 2 * 4)
    assert torch.equal(prior._unpatchify(tokens, 2), x)


def test_one_euler_step_without_guidance_is_noise_plus_velocity():
    prior = make_prior()
    torch.nn.init.normal_(prior.patch_out.weight)  # zero-initialised: make the velocity nonzero
    cond = prior.null(2)
    noise = torch.randn(2, *SHAPE)
    sample = prior.sample(cond, noise, steps=1, guidance=1.0)
    expected = noise + prior(noise, torch.zeros(2), cond)
    assert torch.allclose(sample, expected, atol=1e-5)
    # guidance 0 follows the unconditional velocity whatever the condition
    text = prior.condition(
        "text", torch.randn(2, 3, 6), torch.ones(2, 3, dtype=torch.bool), torch.randn(2, 6)
    )
    assert torch.allclose(prior.sample(text, noise, steps=1, guidance=0.0), expected, atol=1e-5)


def test_a_shifted_time_grid_takes_its_steps_at_the_stated_times():
    prior = make_prior()
    torch.nn.init.normal_(prior.patch_out.weight)
    cond = prior.null(2)
    noise = torch.randn(2, *SHAPE)
    # Two steps with shift 3: u = 0, 0.5, 1 give t = 0, 0.5 / (3 - 2 * 0.5) = 0.25, 1.
    x = noise + 0.25 * prior(noise, torch.zeros(2), cond)
    expected = x + 0.75 * prior(x, torch.full((2,), 0.25), cond)
    sample = prior.sample(cond, noise, steps=2, guidance=1.0, shift=3.0)
    assert torch.allclose(sample, expected, atol=1e-5)
    assert not torch.allclose(sample, prior.sample(cond, noise, steps=2, guidance=1.0), atol=1e-3)


def test_prior_learns_to_map_two_conditions_to_two_latents():
    prior = make_prior(width=32, depth=1)
    targets = torch.stack([torch.full(SHAPE, 1.0), torch.full(SHAPE, -1.0)])
    tokens = torch.eye(6)[:2, None].expand(2, 1, 6)
    cond = prior.condition("text", tokens, torch.ones(2, 1, dtype=torch.bool), torch.eye(6)[:2])
    optimizer = torch.optim.Adam(prior.parameters(), lr=1e-2)
    g = torch.Generator().manual_seed(0)
    losses = []
    for _ in range(60):
        noise = torch.randn(16, *SHAPE, generator=g)
        t = torch.rand(16, generator=g)
        x1 = targets.repeat(8, 1, 1, 1, 1)
        tt = t.view(-1, 1, 1, 1, 1)
        c = prior.condition(
            "text",
            tokens.repeat(8, 1, 1),
            torch.ones(16, 1, dtype=torch.bool),
            torch.eye(6)[:2].repeat(8, 1),
        )
        loss = ((prior((1 - tt) * noise + tt * x1, t, c) - (x1 - noise)) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert sum(losses[-10:]) < 0.3 * sum(losses[:10])
    with torch.no_grad():
        sample = prior.sample(cond, torch.randn(2, *SHAPE, generator=g), steps=16, guidance=1.0)
    assert sample[0].mean() > 0.5 and sample[1].mean() < -0.5
