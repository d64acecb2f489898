import subprocess
import sys


def test_cli_accepts_hyphenated_command_names():
    result = subprocess.run(
        [sys.executable, "-m", "motcua.cli", "help", "load-units"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "DEBUG": "1", "MOTCUA_VAR_DIR": "/tmp/motcua-cli-test"},
    )
    # `help load-units` is Django's help for the `load_units` command.
    assert result.returncode == 0, result.stderr
    assert "load_units" in result.stdout or "load-units" in result.stdout
