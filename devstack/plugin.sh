# shellcheck shell=bash
# DevStack plugin of scs-metering: billing-grade usage metering.
#
# Enable it in local.conf:
#   enable_plugin scs-metering https://opendev.org/openstack/scs-metering
#
# DevStack sources this file with a mode and a phase ("stack install",
# "stack post-config", "stack extra", "stack test-config", "unstack",
# "clean"); see README.rst beside it.

_XTRACE_SCS_METERING=$(set +o | grep xtrace)
set -o xtrace

SCS_METERING_BIN_DIR=$(get_python_exec_prefix)

function scs_metering_service_url {
    echo "$SERVICE_PROTOCOL://$SERVICE_HOST/usage"
}

# The OpenStack services of this DevStack whose notifications are metered,
# as a value of [notification] enabled_services.
function scs_metering_sources {
    local sources=()
    is_service_enabled n-api n-cpu && sources+=(nova)
    is_service_enabled c-api c-vol && sources+=(cinder)
    is_service_enabled q-svc neutron-api && sources+=(neutron)
    is_service_enabled g-api && sources+=(glance)
    is_service_enabled s-proxy && sources+=(swift)
    is_service_enabled octavia o-api && sources+=(octavia)
    is_service_enabled designate designate-api && sources+=(designate)
    local IFS=,
    echo "${sources[*]}"
}

# The server, and the client distribution (client/) with the openstack
# metering commands.
function install_scs_metering {
    setup_develop "$SCS_METERING_DIR"
    setup_develop "$SCS_METERING_DIR/client"
}

# The Horizon panels go into the environment Horizon runs in (DevStack's
# single virtualenv, which has the client already), and their enabled
# files into Horizon's local/enabled. Horizon collects and compresses its
# static files after this phase.
function install_scs_metering_dashboard {
    setup_develop "$SCS_METERING_DIR/dashboard"
    local enabled
    for enabled in "$SCS_METERING_DASHBOARD_ENABLED"/_[0-9]*.py; do
        ln -sf "$enabled" "$HORIZON_DIR/openstack_dashboard/local/enabled/"
    done
}

function cleanup_scs_metering_dashboard {
    local enabled
    for enabled in "$SCS_METERING_DASHBOARD_ENABLED"/_[0-9]*.py; do
        rm -f "$HORIZON_DIR/openstack_dashboard/local/enabled/${enabled##*/}"
    done
}

# Make the other services send the notifications the agent meters.
function scs_metering_configure_notifications {
    local conf
    if is_service_enabled n-api n-cpu; then
        for conf in "$NOVA_CONF" "${NOVA_CPU_CONF:-}"; do
            [[ -n "$conf" && -f "$conf" ]] || continue
            iniset "$conf" oslo_messaging_notifications driver messagingv2
            # Versioned and legacy: the definitions read both.
            iniset "$conf" notifications notification_format both
            iniset "$conf" notifications notify_on_state_change \
                vm_and_task_state
            # Hourly instance.exists, so a missed event shows up within
            # the hour.
            iniset "$conf" DEFAULT instance_usage_audit True
            iniset "$conf" DEFAULT instance_usage_audit_period hour
        done
    fi
    if is_service_enabled c-api c-vol; then
        iniset "$CINDER_CONF" oslo_messaging_notifications driver messagingv2
    fi
    if is_service_enabled q-svc neutron-api; then
        iniset "$NEUTRON_CONF" oslo_messaging_notifications driver \
            messagingv2
    fi
    if is_service_enabled g-api; then
        iniset "$GLANCE_API_CONF" oslo_messaging_notifications driver \
            messagingv2
    fi
    if is_service_enabled octavia o-api; then
        iniset "$OCTAVIA_CONF" oslo_messaging_notifications driver \
            messagingv2
    fi
    if is_service_enabled designate designate-api; then
        iniset "$DESIGNATE_CONF" oslo_messaging_notifications driver \
            messagingv2
    fi
}

function configure_scs_metering {
    # The services run as $STACK_USER, as every DevStack service does: it
    # owns the state and the configuration, and nobody else may read the
    # configuration, which holds passwords and sink secrets.
    sudo install -d -o "$STACK_USER" -m 0750 "$SCS_METERING_CONF_DIR" \
        "$SCS_METERING_STATE_PATH"
    rm -f "$SCS_METERING_CONF"
    install -m 0600 /dev/null "$SCS_METERING_CONF"

    iniset "$SCS_METERING_CONF" DEFAULT debug "$ENABLE_DEBUG_LOG_LEVEL"
    iniset "$SCS_METERING_CONF" DEFAULT state_path "$SCS_METERING_STATE_PATH"
    # Notifications travel on the notification bus, which DevStack keeps
    # on the default virtual host even with several cells.
    iniset "$SCS_METERING_CONF" DEFAULT transport_url "$(get_notification_url)"
    iniset "$SCS_METERING_CONF" database connection \
        "$(database_connection_url scs_metering)"
    iniset "$SCS_METERING_CONF" notification enabled_services \
        "$(scs_metering_sources)"
    iniset "$SCS_METERING_CONF" engine settle_delay "$SCS_METERING_SETTLE_DELAY"
    iniset "$SCS_METERING_CONF" publisher sinks_file "$SCS_METERING_SINKS_FILE"
    iniset "$SCS_METERING_CONF" metrics agent_port \
        "$SCS_METERING_AGENT_METRICS_PORT"
    iniset "$SCS_METERING_CONF" metrics engine_port \
        "$SCS_METERING_ENGINE_METRICS_PORT"
    iniset "$SCS_METERING_CONF" metrics api True

    # The API checks Keystone tokens.
    iniset "$SCS_METERING_CONF" api auth_strategy keystone
    configure_keystone_authtoken_middleware "$SCS_METERING_CONF" scs-metering

    # Reconciliation lists resources from the other services' APIs.
    iniset "$SCS_METERING_CONF" service_credentials auth_type password
    iniset "$SCS_METERING_CONF" service_credentials auth_url \
        "$KEYSTONE_SERVICE_URI"
    iniset "$SCS_METERING_CONF" service_credentials username scs-metering
    iniset "$SCS_METERING_CONF" service_credentials password \
        "$SERVICE_PASSWORD"
    iniset "$SCS_METERING_CONF" service_credentials project_name \
        "$SERVICE_PROJECT_NAME"
    iniset "$SCS_METERING_CONF" service_credentials user_domain_id default
    iniset "$SCS_METERING_CONF" service_credentials project_domain_id default
    iniset "$SCS_METERING_CONF" service_credentials region_name "$REGION_NAME"

    # One file sink, so usage is visible without a billing system.
    install -m 0600 /dev/null "$SCS_METERING_SINKS_FILE"
    cat > "$SCS_METERING_SINKS_FILE" <<EOF
sinks:
  - name: devstack-usage
    driver: file
    url: file://$SCS_METERING_USAGE_FILE
EOF

    write_uwsgi_config "$SCS_METERING_UWSGI_CONF" "$SCS_METERING_UWSGI" \
        /usage "" scs-metering-api
    iniset "$SCS_METERING_UWSGI_CONF" uwsgi env \
        "SCS_METERING_CONFIG_FILES=$SCS_METERING_CONF"

    scs_metering_configure_notifications
}

function create_scs_metering_accounts {
    create_service_user scs-metering admin
    local service
    service=$(get_or_create_service scs-metering \
        "$SCS_METERING_SERVICE_TYPE" "Billing-grade usage metering")
    get_or_create_endpoint "$service" "$REGION_NAME" \
        "$(scs_metering_service_url)"
}

function init_scs_metering {
    recreate_database scs_metering
    "$SCS_METERING_BIN_DIR/scs-metering-manage" \
        --config-file "$SCS_METERING_CONF" db upgrade
    if is_service_enabled rabbit && \
            [[ "$SCS_METERING_DLX_POLICY" == "True" ]]; then
        sudo rabbitmqctl set_policy scs-metering-dlx '^scs-metering\.' \
            '{"dead-letter-exchange":"scs-metering.dlx"}' --apply-to queues
    fi
}

# Each service runs as $STACK_USER (run_process's unit gets User=), never
# as root.
function start_scs_metering {
    run_process scs-metering-engine \
        "$SCS_METERING_BIN_DIR/scs-metering-engine --config-file $SCS_METERING_CONF" \
        "" "$STACK_USER"
    run_process scs-metering-agent \
        "$SCS_METERING_BIN_DIR/scs-metering-agent --config-file $SCS_METERING_CONF" \
        "" "$STACK_USER"
    run_process scs-metering-reconciler \
        "$SCS_METERING_BIN_DIR/scs-metering-reconciler --config-file $SCS_METERING_CONF" \
        "" "$STACK_USER"
    run_process scs-metering-api \
        "$(command -v uwsgi) --procname-prefix scs-metering-api --ini $SCS_METERING_UWSGI_CONF" \
        "" "$STACK_USER"
    if is_service_enabled scs-metering-api; then
        if ! wait_for_service "$SERVICE_TIMEOUT" \
                "$(scs_metering_service_url)/healthcheck"; then
            die $LINENO "scs-metering-api did not start"
        fi
    fi
}

# A warning (exit 1, such as an unreachable sink) is no reason to fail a
# stack; a failure (exit 2, such as a schema behind the code) is.
function check_scs_metering {
    local rc=0
    "$SCS_METERING_BIN_DIR/scs-metering-status" \
        --config-file "$SCS_METERING_CONF" upgrade check || rc=$?
    if [[ $rc -gt 1 ]]; then
        die $LINENO "scs-metering-status upgrade check failed"
    fi
}

function stop_scs_metering {
    local service
    for service in scs-metering-api scs-metering-reconciler \
            scs-metering-agent scs-metering-engine; do
        stop_process "$service"
    done
}

function cleanup_scs_metering {
    remove_uwsgi_config "$SCS_METERING_UWSGI_CONF" scs-metering-api
    sudo rm -rf "$SCS_METERING_CONF_DIR" "$SCS_METERING_STATE_PATH"
}

if is_service_enabled scs-metering-agent scs-metering-engine \
        scs-metering-api scs-metering-reconciler; then
    if [[ "$1" == "stack" && "$2" == "install" ]]; then
        echo_summary "Installing scs-metering"
        install_scs_metering
    elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
        echo_summary "Configuring scs-metering"
        configure_scs_metering
        if is_service_enabled key; then
            create_scs_metering_accounts
        fi
        init_scs_metering
    elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
        echo_summary "Starting scs-metering"
        start_scs_metering
    elif [[ "$1" == "stack" && "$2" == "test-config" ]]; then
        check_scs_metering
    fi

    if [[ "$1" == "unstack" ]]; then
        stop_scs_metering
    fi

    if [[ "$1" == "clean" ]]; then
        cleanup_scs_metering
    fi
fi

if is_service_enabled scs-metering-dashboard && is_service_enabled horizon
then
    if [[ "$1" == "stack" && "$2" == "install" ]]; then
        echo_summary "Installing the scs-metering dashboard"
        install_scs_metering_dashboard
    elif [[ "$1" == "clean" ]]; then
        cleanup_scs_metering_dashboard
    fi
fi

$_XTRACE_SCS_METERING
