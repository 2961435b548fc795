# shellcheck shell=bash
# Source me (`. scripts/env.sh`): puts the project's build tools first on PATH.
#   - tools/node_modules/.bin : wasm-opt from npm `binaryen` 132. It MUST come before /usr/bin:
#     Debian's binaryen 108 (/usr/bin/wasm-opt) produces release wasm that fails to hydrate, and
#     cargo-leptos takes the first wasm-opt on PATH without checking its version.
#   - ~/.cargo/bin            : cargo, cargo-leptos, wasm-bindgen.
# The Makefile exports the same PATH for every recipe.
__registry_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
case ":${PATH}:" in
  "${__registry_root}/tools/node_modules/.bin:${HOME}/.cargo/bin:"*) ;;
  *) export PATH="${__registry_root}/tools/node_modules/.bin:${HOME}/.cargo/bin:${PATH}" ;;
esac
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"
unset __registry_root
