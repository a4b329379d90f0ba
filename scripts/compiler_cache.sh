# Sourced by build.sh and test.sh: compile through ccache when it is there, so a clean clone on a
# machine that built roomcast before (CI) reuses those objects. Paths are hashed relative to the
# checkout, so another clone's directory still hits. Sets `compiler_cache` (cmake options).
compiler_cache=()
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR="$here" CCACHE_NOHASHDIR=true
  compiler_cache=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
