"""The two training objectives as modules, so DDP can wrap each one's forward.

Stage 1, `AutoencoderObjective`: reconstruct occupancy, SDF and material from
surface samples through the VAE latent. Stage 2, `PriorObjective`: flow
matching of standardised latents given text, image or sketch conditions, with
condition dropout for classifier-free guidance.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from meshsmith.models.model import Model
from meshsmith.models.prior import Condition
from meshsmith.train.config import LossConfig
from meshsmith.train.data import AutoencoderBatch


class AutoencoderObjective(nn.Module):
    """Loss terms of the triplane VAE (`LossConfig` documents each)."""

    def __init__(self, model: Model, loss: LossConfig) -> None:
        super().__init__()
        self.autoencoder = model.autoencoder
        self.loss = loss

    def forward(self, batch: AutoencoderBatch, noise: Tensor) -> dict[str, Tensor]:
        """Loss terms (scalars) and their weighted ``total``.

        ``noise`` ``(B, 3, c, r, r)`` is the reparameterisation noise (drawn by the
        caller's seeded generator so runs are reproducible).
        """
        ae, w = self.autoencoder, self.loss
        mean, logvar = ae.encode(batch.points, batch.features)
        latent = mean + torch.exp(0.5 * logvar) * noise.to(mean.dtype)
        queries = torch.cat([batch.volume[..., :3], batch.surface[..., :3]], dim=1)
        raw = ae.query(ae.decode(latent), queries).float()
        q = batch.volume.shape[1]
        sdf, target_sdf, occupied = raw[:, :q, 0], batch.volume[..., 3], batch.volume[..., 4]
        terms = {
            "occupancy": F.binary_cross_entropy_with_logits(-sdf / w.temperature, occupied),
            "sdf": (
                sdf.clamp(-w.sdf_clamp, w.sdf_clamp) - target_sdf.clamp(-w.sdf_clamp, w.sdf_clamp)
            )
            .abs()
            .mean(),
            "surface": raw[:, q:, 0].abs().mean(),
            "appearance": self.appearance(torch.sigmoid(raw[:, q:, 1:]), batch.surface[..., 6:11]),
            "kl": 0.5 * (mean.float() ** 2 + logvar.float().exp() - 1.0 - logvar.float()).mean(),
        }
        terms["total"] = sum(getattr(w, name) * value for name, value in terms.items())
        return terms

    def appearance(self, predicted: Tensor, target: Tensor) -> Tensor:
        """Mean L1 over albedo (3), roughness and metallic ``(..., 5)``; the albedo in
        `LossConfig.albedo_space`."""
        if self.loss.albedo_space == "srgb":
            predicted = torch.cat([encode_srgb(predicted[..., :3]), predicted[..., 3:]], dim=-1)
            target = torch.cat([encode_srgb(target[..., :3]), target[..., 3:]], dim=-1)
        return (predicted - target).abs().mean()


def encode_srgb(linear: Tensor) -> Tensor:
    """The sRGB transfer function (`meshsmith.colorspace.linear_to_srgb`) on a tensor in
    [0, 1], with finite gradients everywhere (the power branch never sees 0)."""
    curve = 1.055 * linear.clamp(min=0.0031308) ** (1 / 2.4) - 0.055
    return torch.where(linear <= 0.0031308, 12.92 * linear, curve)


@dataclass
class PriorBatch:
    """One flow-matching batch; rows are text rows, then image rows, then sketch rows.

    latents, noise : (B, 3, c, r, r) standardised latents and Gaussian noise
    times : (B,) in [0, 1]; drop : (B,) bool, rows trained unconditionally
    text : (tokens (T, L, 384), mask (T, L), pooled (T, 384)) or None
    images : (I, 3, S, S) augmented photos or None; sketches : (K, 1, S, S) or None
    """

    latents: Tensor
    noise: Tensor
    times: Tensor
    drop: Tensor
    text: tuple[Tensor, Tensor, Tensor] | None
    images: Tensor | None
    sketches: Tensor | None


class PriorObjective(nn.Module):
    """Rectified-flow loss: ``|| v(x_t, t, c) - (x_1 - x_0) ||²``."""

    def __init__(self, model: Model) -> None:
        super().__init__()
        self.prior = model.prior
        self.image_encoder = model.image_encoder
        self.sketch_encoder = model.sketch_encoder

    def condition(self, batch: PriorBatch) -> Condition:
        parts = []
        if batch.text is not None:
            tokens, mask, pooled = batch.text
            parts.append(self.prior.condition("text", tokens, mask, pooled))
        for kind, images, encoder in (
            ("image", batch.images, self.image_encoder),
            ("sketch", batch.sketches, self.sketch_encoder),
        ):
            if images is not None:
                tokens, pooled = encoder(images)
                mask = torch.ones(tokens.shape[:2], dtype=torch.bool)
                parts.append(self.prior.condition(kind, tokens, mask, pooled))
        return self.prior.drop(Condition.cat(parts), batch.drop)

    def forward(self, batch: PriorBatch) -> dict[str, Tensor]:
        t = batch.times.view(-1, 1, 1, 1, 1)
        x_t = (1.0 - t) * batch.noise + t * batch.latents
        velocity = self.prior(x_t, batch.times, self.condition(batch)).float()
        loss = F.mse_loss(velocity, batch.latents - batch.noise)
        return {"flow": loss, "total": loss}
