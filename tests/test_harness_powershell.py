"""Claude Code's `PowerShell` tool is judged as PowerShell (ATTACK F58), not as Bash: `\\` as a
path separator, cmdlets and their aliases (all of a writing cmdlet's words are its targets,
a folder covers the files below), pipeline input, the call operator, code run from text
(`Invoke-Expression`, `Start-Process`, `-EncodedCommand`, a script), and anything the reader
cannot take literally (variables, sub-expressions, script blocks, .NET calls) as code the gate
cannot read (`harness: unknown_code`). Events shaped like the real CLI's PreToolUse."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.harness import OTHER, claude_event, denied, hook

SUPER = "master-orchestrator"


def ps(ws: Path, command: str, agent: str = OTHER) -> str | None:
    tool_input = {"command": command, "description": "run"}
    return denied(hook(ws, "claude", claude_event(ws, "PowerShell", tool_input, agent=agent)))


WRITES = [
    "Set-Content app/main.py evil",
    "Set-Content .\\app\\main.py evil",
    'Set-Content "app\\main.py" evil',
    "Add-Content 'app/main.py' evil",
    "Copy-Item README.md .\\app\\main.py",
    "Remove-Item app\\main.py",
    "ri -Force app\\core\\config.py",
    "Remove-Item app\\core -Recurse",
    "Set-Content app\\ma*.py evil",
    "Set-Content -Path:app\\main.py -Value evil",
    "Move-Item -Destination app\\main.py -Path x",
    "Out-File -FilePath app\\main.py -InputObject evil",
    "Tee-Object -FilePath app\\main.py",
    "New-Item -ItemType SymbolicLink -Path x -Target app\\main.py",
    "Microsoft.PowerShell.Management\\Set-Content app\\main.py evil",
    "SET-CONTENT APP\\..\\app\\main.py evil",
    "& Set-Content app\\main.py evil",
    "'evil' > app\\main.py",
    "echo evil >> .\\app\\main.py",
    "Write-Output evil 1> app\\main.py",
    "Get-Item app\\main.py | Set-Content -Value evil",
    "Get-ChildItem app | Remove-Item -Recurse",
    "sed -i s/a/b/ app\\main.py",
    "Get-Content x; Remove-Item app/main.py",
    "Get-Content x && Remove-Item app/main.py",
    "Publish-Thing app\\main.py",
]
CODE = [
    '& ("s"+"c") app/main.py evil',
    'Start-Process -Wait -FilePath sh -ArgumentList "-c","echo evil > app/main.py"',
    "Invoke-Expression 'Set-Content app/main.py x'",
    'iex "sc app/main.py x"',
    "$p = 'app/main.py'; Set-Content $p x",
    "Set-Content $env:TARGET x",
    "[IO.File]::WriteAllText('app/main.py', 'x')",
    "Set-Content (Join-Path app main.py) x",
    "pwsh -EncodedCommand ZQBjAGgAbwA=",
    "powershell.exe -Command Set-Content app/main.py x",
    ". .\\script.ps1",
    "& .\\tool.ps1",
    "Set-Alias gc Set-Content; gc app/main.py x",
    'cmd /c "echo x > app\\main.py"',
    "Get-ChildItem | ForEach-Object { Set-Content $_ x }",
    "Set-Content `\n app/main.py x",
    "Set-Content 'app/'main.py x",
    "Set-Content @'\nx\n'@ app/main.py",
    "Invoke-Command -ScriptBlock { Set-Content app/main.py x }",
    "Import-Module .\\evil.psm1",
    "Set-Content app/main.py --% x",
    "<# c #> Set-Content app\\main.py x",
]


@pytest.mark.parametrize("command", WRITES + CODE)
def test_powershell_writes_of_a_protected_file_are_denied(workspace: Path, command: str) -> None:
    reason = ps(workspace, command)
    assert reason is not None, command


@pytest.mark.parametrize(
    "command",
    [
        "Get-Content app\\main.py",
        "Get-ChildItem -Recurse app | Select-String main",
        "Set-Content notes\\todo.md x",
        "Remove-Item .\\notes\\old.md",
        "git status",
        "Write-Output hello > notes\\out.txt",
        "Get-Content app\\main.py 2>$null",
        "Test-Path .\\app\\main.py",
        "Get-Content app/main.py | Out-Null  # a comment naming app/main.py",
        "'hello' | Out-File notes\\x.md",
    ],
)
def test_powershell_reads_and_unprotected_writes_are_allowed(workspace: Path, command: str) -> None:
    assert ps(workspace, command) is None, command


@pytest.mark.parametrize("command", ["Set-Content app\\main.py x", "iex 'sc app/main.py x'"])
def test_a_superuser_may(workspace: Path, command: str) -> None:
    assert ps(workspace, command, SUPER) is None
