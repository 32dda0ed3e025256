"""The ``csplan`` command: the installed script's entry point, and ``python -m csplan``."""

import gc


def main() -> None:
    """Run the command. The collector goes off before Typer, Pydantic and the records
    are imported (their imports make many objects: about 4 ms of collections at each
    start); ``csplan.cli.run`` says why, and makes the command's other choices."""
    gc.disable()
    from csplan.cli import run

    run()


if __name__ == "__main__":
    main()
