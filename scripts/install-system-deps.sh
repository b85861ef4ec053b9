#!/usr/bin/env bash
# System packages the course needs beside Python: graphviz (model diagrams) and bubblewrap
# (the grading sandbox), chromium (the browser tests, driven by Playwright), postgresql (the
# gradebook test's throwaway server). Installs them with apt when we are root; otherwise says how.
set -u
missing=()
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# PostgreSQL: the gradebook test starts a throwaway server (Debian keeps initdb off PATH).
{ command -v initdb || compgen -G '/usr/lib/postgresql/*/bin/initdb'; } >/dev/null 2>&1 \
    || missing+=(postgresql)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing system packages: ${missing[*]}"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
        || echo "warning: apt-get could not install ${missing[*]}; model diagrams or the sandbox will be unavailable"
else
    echo "Note: ${missing[*]} not found. Install with your package manager, e.g."
    echo "    sudo apt-get install ${missing[*]}      (Debian/Ubuntu)"
    echo "    conda install -c conda-forge graphviz   (conda; see environment.yml)"
    echo "The course still runs: diagrams print a message instead, and grading warns it is not sandboxed."
fi
exit 0
