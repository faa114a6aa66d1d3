# shellcheck shell=bash
# Sourced by clickhouse.sh and cluster.sh: the jemalloc settings every
# clickhouse-server they start runs with.
#
# Debian's clickhouse-server 18.16 links the system jemalloc with jemalloc's
# defaults. With them, a freed extent of 8 MiB or more goes back to the
# kernel at once and other freed pages within 10 s (MADV_DONTNEED), so a
# server that writes parts all day faults the same memory in again and
# again: under the pipelines' load ClickHouse took ~21,000 page faults a
# second and spent as much CPU in the kernel as in its own code. These are
# the settings ClickHouse has built its own jemalloc with since 20.x
# (contrib/jemalloc-cmake/CMakeLists.txt; ClickHouse issue 11121): one arena
# per CPU, no separate arena for large extents, and freed pages handed back
# lazily (MADV_FREE) after 5 s. CLICKHOUSE_MALLOC_CONF overrides them; set
# it to the empty string for jemalloc's defaults.
clickhouse_malloc_conf=${CLICKHOUSE_MALLOC_CONF-percpu_arena:percpu,oversize_threshold:0,muzzy_decay_ms:5000,dirty_decay_ms:5000}
