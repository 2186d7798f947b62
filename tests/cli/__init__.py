"""Helpers shared by the CLI tests."""

from keras_gans import cli


def error_line(capsys, argv, status=2):
    """Run `keras-gans argv` in this process and return its one error line.

    Asserts the exit status (2: a usage error, 1: a failed command), that
    stderr holds exactly one line, `keras-gans: error: ...`, and no traceback.
    """
    code = cli.main(argv)
    err = capsys.readouterr().err
    assert code == status, (code, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("keras-gans: error: "), err
    assert "Traceback" not in err
    return lines[0]
