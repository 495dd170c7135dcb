#!/bin/sh
# The three configurations of benchmarks/README.md ("Data-parallel scaling"):
# one process on one thread, one process on two threads, two ranks of one
# thread each; the same global batch everywhere.
#   benchmarks/distributed/run_scaling.sh [build dir] [steps]
set -e
bin=${1:-build}/benchmarks/isinggan_bench_mpi
steps=${2:-20}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
OMP_NUM_THREADS=1 "$bin" --steps "$steps"
OMP_NUM_THREADS=2 "$bin" --steps "$steps"
mpirun --oversubscribe -np 2 -x OMP_NUM_THREADS=1 "$bin" --steps "$steps"
