"""Triplane shape + appearance autoencoder.

Surface points with colour and material → three axis-aligned feature planes
(xy, xz, yz) → a small VAE latent ``(3, c, r, r)`` → back up to full planes →
a field MLP that reads the bilinear plane features at any query point and
returns a signed distance and the material there.

Why triplanes: in the calibration run (SPEC §4) they kept thin parts (chair
legs, mug handles) that a latent set or a global vector broke, with the fewest
parameters and the fastest dense decode on CPU. The three planes are convolved
side by side in one image (a "roll-out"), so features flow across plane edges.

Frame: the normalised shape frame, shape inside [-0.5, 0.5]^3; planes span
[-BOUND, BOUND] so the volume samples' margin is covered.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from meshsmith.models.config import AutoencoderConfig

#: Half side of the cube the planes cover (normalised units).
BOUND = 0.55
#: Per-point input features: normal (3), albedo (3), roughness, metallic.
POINT_FEATURES = 8
#: Plane axes (first → image column, second → image row).
PLANE_AXES = ((0, 1), (0, 2), (1, 2))
_FREQUENCIES = 4


def _fourier(xyz: Tensor) -> Tensor:
    """Low-frequency Fourier features ``(..., 3 + 6 * _FREQUENCIES)`` of points in the cube."""
    scales = (2.0 ** torch.arange(_FREQUENCIES, device=xyz.device)) * (math.pi / BOUND)
    angles = (xyz[..., None] * scales).flatten(-2)
    return torch.cat([xyz, angles.sin(), angles.cos()], dim=-1)


def plane_coords(points: Tensor) -> Tensor:
    """Coordinates ``(B, 3, Q, 2)`` in [-1, 1] of points ``(B, Q, 3)`` on each plane."""
    return torch.stack([points[..., list(a)] for a in PLANE_AXES], dim=1) / BOUND


def roll_out(planes: Tensor) -> Tensor:
    """``(B, 3, C, R, R)`` → ``(B, C, R, 3R)``: the three planes side by side."""
    b, _, c, r, _ = planes.shape
    return planes.permute(0, 2, 3, 1, 4).reshape(b, c, r, 3 * r)


def roll_in(image: Tensor) -> Tensor:
    """Inverse of `roll_out`."""
    b, c, r, _ = image.shape
    return image.view(b, c, r, 3, r).permute(0, 3, 1, 2, 4)


def _groups(channels: int) -> int:
    return math.gcd(8, channels)


class ResBlock(nn.Module):
    """Two 3×3 convs with group norm and SiLU, added to the input."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.GroupNorm(_groups(channels), channels),
            nn.SiLU(),
            nn.Conv2d(channels, channels, 3, padding=1),
            nn.GroupNorm(_groups(channels), channels),
            nn.SiLU(),
            nn.Conv2d(channels, channels, 3, padding=1),
        )

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)


class TriplaneAutoencoder(nn.Module):
    """Point cloud → latent planes → triplane field (SDF, albedo, roughness, metallic).

    Parameters
    ----------
    config : AutoencoderConfig
    """

    def __init__(self, config: AutoencoderConfig) -> None:
        super().__init__()
        self.config = c = config
        factor = c.plane_res // c.latent_res
        if factor < 1 or factor & (factor - 1) or c.plane_res % c.latent_res:
            raise ValueError("plane_res / latent_res must be a power of two")
        levels = int(math.log2(factor))
        w, ch = c.point_width, c.plane_channels
        self.point_in = nn.Sequential(
            nn.Linear(3 + 6 * _FREQUENCIES + POINT_FEATURES, w), nn.SiLU(), nn.Linear(w, w)
        )
        self.point_refine = nn.Sequential(nn.Linear(2 * w, w), nn.SiLU(), nn.Linear(w, w))
        down: list[nn.Module] = [nn.Conv2d(w, ch, 3, padding=1), ResBlock(ch)]
        for _ in range(levels):
            down += [nn.Conv2d(ch, ch, 3, stride=2, padding=1), ResBlock(ch)]
        down += [nn.GroupNorm(_groups(ch), ch), nn.SiLU(), nn.Conv2d(ch, 2 * c.latent_channels, 1)]
        self.down = nn.Sequential(*down)
        up: list[nn.Module] = [nn.Conv2d(c.latent_channels, ch, 3, padding=1), ResBlock(ch)]
        for _ in range(levels):
            up += [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(ch, ch, 3, padding=1)]
        up += [ResBlock(ch) for _ in range(c.decoder_blocks)]
        up += [nn.GroupNorm(_groups(ch), ch), nn.SiLU(), nn.Conv2d(ch, ch, 1)]
        self.up = nn.Sequential(*up)
        self.refine = self._refine_head(c)
        layers: list[nn.Module] = [nn.Linear(3 * ch + 3, c.mlp_width), nn.SiLU()]
        for _ in range(c.mlp_layers - 1):
            layers += [nn.Linear(c.mlp_width, c.mlp_width), nn.SiLU()]
        layers.append(nn.Linear(c.mlp_width, 6))
        self.mlp = nn.Sequential(*layers)

    @staticmethod
    def _refine_head(c: AutoencoderConfig) -> nn.ModuleList:
        """One residual block per doubling from ``plane_res`` to ``refine_res`` (none if 0).

        Each block's last conv starts at zero, so a head added to a trained decoder starts
        as bilinear upsampling of its planes: nearly the same field.
        """
        if not c.refine_res or c.refine_res == c.plane_res:
            return nn.ModuleList()
        factor = c.refine_res // c.plane_res
        if factor < 2 or factor & (factor - 1) or c.refine_res % c.plane_res:
            raise ValueError("refine_res / plane_res must be a power of two")
        blocks = nn.ModuleList()
        for _ in range(int(math.log2(factor))):
            block = ResBlock(c.plane_channels)
            nn.init.zeros_(block.body[-1].weight)
            nn.init.zeros_(block.body[-1].bias)
            blocks.append(block)
        return blocks

    def decoder_parts(self) -> list[nn.Module]:
        """The modules that map a latent to the field (all but the encoder)."""
        return [self.up, self.refine, self.mlp]

    # -- encoder -------------------------------------------------------------------------
    def _pool(self, h: Tensor, cells: Tensor) -> Tensor:
        """Mean of point features ``(B, N, W)`` per plane cell → planes ``(B, 3, W, R, R)``."""
        b, n, w = h.shape
        r = self.config.plane_res
        out = h.new_zeros((b, 3, r * r, w))
        index = cells[..., None].expand(b, 3, n, w)
        src = h[:, None].expand(b, 3, n, w)
        out = out.scatter_reduce(2, index, src, "mean", include_self=False)
        return out.view(b, 3, r, r, w).permute(0, 1, 4, 2, 3)

    def encode(self, points: Tensor, features: Tensor) -> tuple[Tensor, Tensor]:
        """Posterior mean and log-variance of the latent.

        Parameters
        ----------
        points : (B, N, 3) float, surface points in the normalised frame
        features : (B, N, 8) float, normal, linear albedo, roughness, metallic

        Returns
        -------
        mean, logvar : (B, 3, latent_channels, latent_res, latent_res) float
        """
        r = self.config.plane_res
        uv = ((plane_coords(points) + 1.0) * 0.5 * r).long().clamp(0, r - 1)  # (B, 3, N, 2)
        cells = uv[..., 1] * r + uv[..., 0]  # (B, 3, N)
        h = self.point_in(torch.cat([_fourier(points), features], dim=-1))
        planes = self._pool(h, cells)
        flat = planes.flatten(3)  # (B, 3, W, R*R)
        index = cells[:, :, None].expand(-1, -1, flat.shape[2], -1)
        back = flat.gather(3, index).sum(1).transpose(1, 2)  # (B, N, W)
        h = self.point_refine(torch.cat([h, back], dim=-1))
        moments = roll_in(self.down(roll_out(self._pool(h, cells))))
        mean, logvar = moments.chunk(2, dim=2)
        return mean, logvar.clamp(-12.0, 6.0)

    # -- decoder -------------------------------------------------------------------------
    def decode(self, latent: Tensor) -> Tensor:
        """Feature planes ``(B, 3, C, R, R)`` from a latent ``(B, 3, c, r, r)``."""
        planes = roll_in(self.up(roll_out(latent)))
        for block in self.refine:
            # Each plane is upsampled on its own, so the roll-out's seams do not blend.
            b, _, ch, r, _ = planes.shape
            fine = F.interpolate(planes.reshape(b * 3, ch, r, r), scale_factor=2, mode="bilinear")
            planes = roll_in(block(roll_out(fine.view(b, 3, ch, 2 * r, 2 * r))))
        return planes

    def query(self, planes: Tensor, points: Tensor) -> Tensor:
        """Raw field outputs at query points.

        Parameters
        ----------
        planes : (B, 3, C, R, R) float, from `decode`
        points : (B, Q, 3) float, normalised frame

        Returns
        -------
        (B, Q, 6) float: signed distance (negative inside, normalised units), then
        logits of albedo (3, linear RGB), roughness and metallic.
        """
        b, _, ch, r, _ = planes.shape
        grid = plane_coords(points).reshape(b * 3, 1, -1, 2).to(planes.dtype)
        sampled = F.grid_sample(
            planes.reshape(b * 3, ch, r, r), grid, align_corners=False, padding_mode="border"
        )  # (B*3, C, 1, Q)
        sampled = sampled.view(b, 3 * ch, -1).transpose(1, 2)
        return self.mlp(torch.cat([sampled, points.to(sampled.dtype)], dim=-1))


def split_outputs(raw: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Field outputs ``(..., 6)`` → sdf ``(...)``, albedo ``(..., 3)``, roughness, metallic."""
    material = torch.sigmoid(raw[..., 1:].float())
    return raw[..., 0].float(), material[..., :3], material[..., 3], material[..., 4]
