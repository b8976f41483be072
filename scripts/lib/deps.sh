# shellcheck shell=bash
# Installs the Debian packages Cognate needs, and only those that are missing.
#
#   source scripts/lib/deps.sh
#   cognate_deps_build     # compiler, CMake and the libraries
#   cognate_deps_test      # + aws-cli, Node.js/npm, botocore (end-to-end tests)
#
# Checked on Debian 12 (bookworm). apt-get update runs at most once, and only when something
# is missing. As root apt-get runs directly; otherwise through sudo when it exists.

COGNATE_BUILD_PACKAGES=(
  build-essential cmake pkg-config
  librocksdb-dev libboost-dev liblua5.4-dev nlohmann-json3-dev libssl-dev libargon2-dev
  libgtest-dev libgmock-dev
)
# nodejs and npm are handled apart (see cognate_deps_test): a machine may carry Node.js from
# another source, whose nodejs package bundles npm, and Debian's npm must not replace it.
# python3-aiosmtpd is the mail server of the SMTP end-to-end test; openssl makes its certificate.
COGNATE_TEST_PACKAGES=(awscli python3-botocore python3-aiosmtpd openssl)

_cognate_apt_updated=0

_cognate_log() { printf '[deps] %s\n' "$*" >&2; }

# Runs a command as root: directly, or through sudo.
_cognate_as_root() {
  if [[ "$(id -u)" -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    _cognate_log "need root to run: $*  (not root, and sudo is not installed)"
    return 1
  fi
}

_cognate_installed() {
  local status
  status="$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)"
  [[ "$status" == "install ok installed" ]]
}

# cognate_ensure_packages PKG... : installs whichever of PKG are not installed.
cognate_ensure_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    _cognate_installed "$pkg" || missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0
  _cognate_log "installing missing packages: ${missing[*]}"
  if ((!_cognate_apt_updated)); then
    _cognate_as_root env DEBIAN_FRONTEND=noninteractive apt-get update
    _cognate_apt_updated=1
  fi
  _cognate_as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
}

cognate_deps_build() {
  cognate_ensure_packages "${COGNATE_BUILD_PACKAGES[@]}"
}

cognate_deps_test() {
  local pkgs=("${COGNATE_TEST_PACKAGES[@]}")
  command -v node >/dev/null 2>&1 || _cognate_installed nodejs || pkgs+=(nodejs)
  command -v npm >/dev/null 2>&1 || _cognate_installed npm || pkgs+=(npm)
  cognate_ensure_packages "${pkgs[@]}"
}

# The end-to-end suite needs Node.js 20 or newer (node:test features, jose 6, AWS SDK v3).
cognate_node_major() {
  node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0
}
