#!/usr/bin/env bash
# Bulk load benchmark (issue 16): csv_file_load of one N-row CSV file (ten
# mixed fields: integers, decimals, booleans, ISO dates, quoted text with
# commas and doubled quotes) into hops and into HarperDB 4.7.29 in the same
# run, alternating target by target for ROUNDS rounds (each into a fresh
# table). For each load: the time from the request to get_job saying
# COMPLETE, and for hops the records family's anonymous RSS (RssAnon,
# heap and stacks) growth over its value before the load, sampled every
# ANON_EVERY seconds; the load average before each load is printed. hops
# keeps fsync on (the default); HarperDB keeps its defaults. Without
# HDB_DIR only hops runs. Loopback only; the script's processes are
# stopped on exit.
#
#   HDB_DIR=/work/hdb scripts/bench/csvload.sh
#   N=100000 ROUNDS=1 HDB_DIR=/work/hdb scripts/bench/csvload.sh   # shorter
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/lib.sh
N=${N:-1000000}
ROUNDS=${ROUNDS:-2}
HOPS_PORT=${HOPS_PORT:-$(free_port)}
HDB_PORT=${HDB_PORT:-$(free_port)}
JOB_TIMEOUT=${JOB_TIMEOUT:-40m}
OUT=${OUT:-scripts/bench/results}
mkdir -p "$OUT" bin
exec > >(tee "$OUT/csvload.txt") 2>&1

go build -o bin/hops ./host/cmd/hops
go build -o bin/bench-opclient ./scripts/bench/opclient
work=$(mktemp -d)
chmod 755 "$work"
trap bench_cleanup EXIT
bench_machine
echo "settings: N=$N ROUNDS=$ROUNDS"

# The file: ten fields, ~100 bytes a row.
csv=$work/load.csv
awk -v n="$N" 'BEGIN {
  print "id,name,email,age,score,active,city,joined,note,tags"
  split("Paris,Lyon,\"Saint-Denis, Reunion\",Oslo,Quito", cities, ",")
  for (i = 0; i < n; i++) {
    printf "%d,user%d,user%d@example.com,%d,%.2f,%s,%s,2024-%02d-%02dT10:%02d:00Z,\"said \"\"hi\"\" %d\",\"a,b,%d\"\n",
      i, i, i, 18 + i % 60, (i % 1000) / 7, (i % 2 ? "true" : "FALSE"), (i % 3 ? "Paris" : "\"Saint-Denis, Reunion\""),
      1 + i % 12, 1 + i % 28, i % 60, i, i % 100
  }
}' >"$csv"
chmod 644 "$csv"
echo "file: $(wc -l <"$csv") lines, $(du -m "$csv" | cut -f1) MiB"

start_hops "$HOPS_PORT"
declare -A url=([hops]="http://127.0.0.1:$HOPS_PORT/")
targets=(hops)
if [ -n "${HDB_DIR:-}" ]; then
  start_harperdb "$HDB_PORT"
  url[harperdb]="http://127.0.0.1:$HDB_PORT/"
  targets+=(harperdb)
else
  echo "HDB_DIR not set: HarperDB skipped, no ratio"
fi
for t in "${targets[@]}"; do
  op "${url[$t]}" '{"operation":"create_database","database":"bench"}' >/dev/null
done

records_pid() { for p in $(pgrep -P "$hops_pid"); do [ "$(proc_name "$p")" = records ] && echo "$p"; done; return 0; }
declare -A best
for round in $(seq 1 "$ROUNDS"); do
  for t in "${targets[@]}"; do
    table=t$round
    op "${url[$t]}" "{\"operation\":\"create_table\",\"database\":\"bench\",\"table\":\"$table\",\"primary_key\":\"id\"}" >/dev/null
    wait_quiet "load $round $t"
    bench_load "load $round $t"
    pids=$(target_pids "$t")
    base=
    if [ "$t" = hops ]; then
      rp=$(records_pid)
      base=$(awk '/^RssAnon:/{print $2}' "/proc/$rp/status")
    fi
    hwm_reset $pids
    line=$(bin/bench-opclient job -url "${url[$t]}" -timeout "$JOB_TIMEOUT" \
      -body "{\"operation\":\"csv_file_load\",\"database\":\"bench\",\"table\":\"$table\",\"file_path\":\"$csv\"}" | tee /dev/stderr | grep '^RESULT')
    ms=$(kv "$line" ms)
    echo "load $round $t: $line"
    hwm_report "load$round" "$t" $pids
    growth=-
    if [ "$t" = hops ]; then
      growth=$(( (anon_of_records * 1024 - base) / 1024 ))
      echo "load $round hops: records family RssAnon before ${base} KiB, peak ${anon_of_records} MiB, growth ${growth} MiB"
    fi
    count=$(op "${url[$t]}" "{\"operation\":\"sql\",\"sql\":\"SELECT COUNT(*) AS n FROM bench.$table\"}" || echo "(no answer within 60 s)")
    echo "load $round $t: rows in the table: $count"
    echo "RESULT round=$round target=$t ms=$ms anon_growth_mib=$growth load=$(cut -d' ' -f1 /proc/loadavg)"
    if [ -z "${best[$t]:-}" ] || awk -v a="$ms" -v b="${best[$t]}" 'BEGIN{exit !(a<b)}'; then best[$t]=$ms; fi
    [ "$t" = hops ] && best_growth=$(( ${best_growth:-0} > growth ? ${best_growth:-0} : growth ))
    op "${url[$t]}" "{\"operation\":\"drop_table\",\"database\":\"bench\",\"table\":\"$table\"}" >/dev/null
  done
done

echo
echo "summary (N=$N rows; best of $ROUNDS rounds; ms from request to COMPLETE)"
echo "csv_file_load hops ms: ${best[hops]}"
echo "csv_file_load harperdb ms: ${best[harperdb]:--}"
echo "ratio (harperdb/hops): $(ratio "${best[harperdb]:-}" "${best[hops]}")"
echo "hops records family RssAnon growth, worst round: ${best_growth} MiB"
