"""``python -m meshsmith.train [train] CONFIG --data DIR --out RUN_DIR ...``.

torchrun needs a module to start in every process:
``torchrun --nproc_per_node 2 -m meshsmith.train CONFIG --data DIR --out RUN_DIR``.
"""

import sys

from meshsmith import cli

if __name__ == "__main__":
    argv = sys.argv[1:]
    sys.exit(cli.main(argv if argv[:1] == ["train"] else ["train", *argv]))
