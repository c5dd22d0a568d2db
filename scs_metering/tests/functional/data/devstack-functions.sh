# shellcheck shell=bash
# DevStack's functions, stubbed for the plugin test: each records its call
# in $CALLS (one line, arguments separated by "|"), and the few whose
# output the plugin uses return something of the right shape. iniset
# really writes the file, so the test reads what the plugin configured.

_record() {
    local IFS='|'
    echo "$*" >> "$CALLS"
}

is_service_enabled() {
    local service
    for service in "$@"; do
        [[ ",$ENABLED_SERVICES," == *",$service,"* ]] && return 0
    done
    return 1
}
enable_service() {
    local service
    for service in "$@"; do
        is_service_enabled "$service" ||
            ENABLED_SERVICES="$ENABLED_SERVICES,$service"
    done
}
trueorfalse() {
    local default=$1 name=$2
    case "${!name:-$default}" in
        1|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON) echo True ;;
        *) echo False ;;
    esac
}
iniset() {
    _record iniset "$@"
    "$PYTHON" "$STUBS/iniset.py" "$@"
}
get_python_exec_prefix() { echo "$FAKE_BIN"; }
get_notification_url() { echo "rabbit://stackrabbit:secret@10.0.0.1:5672/"; }
database_connection_url() {
    echo "postgresql+psycopg2://root:secret@10.0.0.1/$1?client_encoding=utf8"
}
configure_keystone_authtoken_middleware() {
    _record configure_keystone_authtoken_middleware "$@"
    iniset "$1" keystone_authtoken auth_type password
    iniset "$1" keystone_authtoken auth_url "$KEYSTONE_SERVICE_URI"
    iniset "$1" keystone_authtoken username "$2"
    iniset "$1" keystone_authtoken password "$SERVICE_PASSWORD"
    iniset "$1" keystone_authtoken user_domain_name Default
    iniset "$1" keystone_authtoken project_name "$SERVICE_PROJECT_NAME"
    iniset "$1" keystone_authtoken project_domain_name Default
    iniset "$1" keystone_authtoken www_authenticate_uri \
        "$KEYSTONE_SERVICE_URI"
    iniset "$1" keystone_authtoken memcached_servers localhost:11211
}
write_uwsgi_config() {
    _record write_uwsgi_config "$@"
    iniset "$1" uwsgi module "$2"
}
get_or_create_service() { _record get_or_create_service "$@"; echo svc-id; }
get_or_create_endpoint() { _record get_or_create_endpoint "$@"; }
create_service_user() { _record create_service_user "$@"; }
recreate_database() { _record recreate_database "$@"; }
setup_develop() { _record setup_develop "$@"; }
run_process() { _record run_process "$@"; }
stop_process() { _record stop_process "$@"; }
remove_uwsgi_config() { _record remove_uwsgi_config "$@"; }
wait_for_service() { _record wait_for_service "$@"; }
rabbitmqctl() { _record rabbitmqctl "$@"; }
echo_summary() { :; }
die() { _record die "$@"; exit 1; }
# Root is not needed for the test's temporary directories.
sudo() { "$@"; }
