# Sourced by deploy/local/clickhouse.sh and deploy/local/cluster.sh.
#
# write_users_xml OUT PWFILE [SED_ARGS...] writes OUT (a users.xml) from the
# template clickhouse/users.xml: the analyst's password hash and databases
# filled in, then SED_ARGS (more sed -e expressions) applied. The analyst's
# password is CLICKHOUSE_ANALYST_PASSWORD if set, else the one in PWFILE,
# else a random one; it is (re)written to PWFILE, mode 600. The databases
# are $analyst_databases (space-separated names).
write_users_xml() {
  local out=$1 pwfile=$2 pw sha dbs="" db
  shift 2
  if [ -n "${CLICKHOUSE_ANALYST_PASSWORD:-}" ]; then
    pw=$CLICKHOUSE_ANALYST_PASSWORD
  elif [ -s "$pwfile" ]; then
    pw=$(head -n 1 "$pwfile")
  else
    pw=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  fi
  (umask 077 && printf '%s\n' "$pw" >"$pwfile")
  sha=$(printf '%s' "$pw" | sha256sum | cut -d' ' -f1)
  for db in $analyst_databases; do
    if ! [[ $db =~ ^[A-Za-z0-9_]+$ ]]; then
      echo "CLICKHOUSE_ANALYST_DATABASES: $db is not a database name" >&2
      exit 2
    fi
    dbs="$dbs<database>$db</database>"
  done
  sed -e "s#@ANALYST_PASSWORD_SHA256@#$sha#" -e "s#@ANALYST_DATABASES@#$dbs#" "$@" \
    "$(dirname "${BASH_SOURCE[0]}")/users.xml" >"$out.new"
  mv "$out.new" "$out"
}
