#!/bin/sh
# The entrypoint of the platform image. SERVICE names the service; the first argument says what to do:
#   serve                  run it (default); the schema must already be current, see `migrate`
#   migrate                bring its database to the latest schema, then exit (a one-shot step)
#   wait-for-schema        wait until `migrate` has run for this image (an init container)
#   check-schema           exit 0 when the schema is current for this image, 1 when it is behind
#   healthcheck [PATH]     exit 0 when GET PATH (default /health) on its port answers 200
#   asn ARGS...            any `asn` command, e.g. `asn replay --service employee --since 2026-11-01T00:00:00`
set -eu

here="$(dirname "$0")"

require_service() {
    case "${SERVICE:-}" in
        gateway | employee | appraisal | mutation | training) ;;
        *)
            echo "asn-entrypoint: set SERVICE to gateway, employee, appraisal, mutation or training" >&2
            exit 64
            ;;
    esac
}

command="${1:-serve}"
case "$command" in
    serve)
        require_service
        # Replicas never migrate on start: two of them starting together would race on the schema.
        exec asn serve "$SERVICE" --no-migrate
        ;;
    migrate)
        require_service
        exec asn migrate --service "$SERVICE"
        ;;
    wait-for-schema | check-schema | healthcheck)
        require_service
        exec python "$here/asn_container.py" "$@"
        ;;
    asn)
        shift
        exec asn "$@"
        ;;
    *)
        exec "$@"
        ;;
esac
