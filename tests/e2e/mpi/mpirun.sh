# Sourced by the MPI cases: mpirun on this machine, over loopback only.
command -v mpirun >/dev/null || { echo "mpirun missing: scripts/install-deps installs openmpi-bin"; exit 1; }
mpi() {
  mpirun --allow-run-as-root --oversubscribe --mca btl self,tcp --mca btl_tcp_if_include lo \
    --mca oob_tcp_if_include lo "$@" < /dev/null  # mpirun forwards stdin: not the runner's
}
fail() { echo "FAIL: $*"; exit 1; }
