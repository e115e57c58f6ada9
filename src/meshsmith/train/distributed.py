"""Data-parallel training across processes and machines (torchrun, gloo or NCCL).

`torchrun --nproc_per_node 2 -m meshsmith.train train small --data D --out R`
starts two processes; each draws its own batches (its generator is seeded with
its rank), gradients are averaged by DDP, and rank 0 alone writes logs and
checkpoints. Without torchrun's environment everything runs in one process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class World:
    """This process's place: ``rank`` of ``size`` processes (size 1 without torchrun)."""

    rank: int = 0
    size: int = 1

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.size > 1


def setup() -> World:
    """Join the process group torchrun describes (gloo on CPU), or stay single."""
    size = int(os.environ.get("WORLD_SIZE", "1"))
    if size <= 1:
        return World()
    if not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend)
    # Processes on one machine share its cores; oversubscribed threads slow everyone.
    local = int(os.environ.get("LOCAL_WORLD_SIZE", str(size)))
    torch.set_num_threads(max(1, (os.cpu_count() or 1) // local))
    return World(dist.get_rank(), dist.get_world_size())


def barrier(world: World) -> None:
    if world.distributed:
        dist.barrier()


def teardown(world: World) -> None:
    if world.distributed and dist.is_initialized():
        dist.destroy_process_group()


def wrap(module: torch.nn.Module, world: World) -> torch.nn.Module:
    """DDP around `module` when distributed; the module itself otherwise."""
    if not world.distributed:
        return module
    from torch.nn.parallel import DistributedDataParallel

    return DistributedDataParallel(module)
