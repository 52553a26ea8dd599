#!/usr/bin/env bash
# The competitor of `claim` / `release` (issue 16), installed where bench_coord.py can run it:
#
#     benchmarks/setup_agent_mail.sh [DIR]      # default: .bench/agent-mail
#     python benchmarks/bench_coord.py --rounds 30 --agent-mail DIR/bin/python
#
# mcp_agent_mail from PyPI (`mcp-agent-mail`, the published build of the project; it exposes its
# file-reservation tools with MCP_TOOLS_MODE=extended, which bench_coord.py sets) in a virtualenv
# of its own, so its many dependencies never meet ours. PYTHON picks the interpreter (>= 3.11).
set -euo pipefail
dir="${1:-.bench/agent-mail}"
python="${PYTHON:-python3}"
"$python" -m venv "$dir"
"$dir/bin/pip" install -q "mcp-agent-mail==0.1.0"
"$dir/bin/python" -c "import mcp_agent_mail.app" && echo "mcp_agent_mail ready: $dir/bin/python"
