# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Operations on a real Odoo server with the real queue_job runner: the channel
check at start-up, the device-check cron whose job the runner dispatches on
root.critical, the queue statistics endpoints, and the receipt SMS of a paid
order through the fake gateway. Waits poll with a deadline;
nothing asserts on timing."""

import requests

from tests.fake_sms_gateway import FakeSmsGateway
from tests.harness import paid_order
from tests.harness.waiting import DEADLINE, wait_for

METRICS_TOKEN = "e2e-metrics-token"
SMS_GATEWAY_PORT = 17551
SMS_TOKEN = "e2e-sms-token"
PHONE = "+79161234567"


def cron_id(rpc, xml_name):
    (data,) = rpc.search_read(
        "ir.model.data",
        [("module", "=", "optics_pos_ru54fz"), ("name", "=", xml_name)],
        ["res_id"],
    )
    return data["res_id"]


def test_startup_check_logs_each_isolation_problem(odoo_factory):
    server = odoo_factory(workers=2, channels="root:2,root.critical:1")

    for problem in (
        "Channel root.high is used by our jobs but is not configured",
        "Channel root.low is used by our jobs but is not configured",
        "Root capacity 2 is not below the 2 HTTP workers",
    ):
        server.server.wait_for_log(f"Job channel set-up: {problem}")


def test_device_check_cron_alerts_on_an_ofd_queue_25_days_old(
    odoo_server, rpc, kkt_emulator
):
    url, control = kkt_emulator
    control.set_ofd_rate(0)
    device_id = rpc.call(
        "kkt.device", "create", {"name": "E2E till", "connection_url": url, "tz": "UTC"}
    )
    rpc.call("kkt.device", "action_kkt_open_shift", [device_id])
    rpc.call("kkt.device", "action_kkt_close_shift", [device_id])
    control.advance_clock(hours=24 * 25)

    rpc.call(
        "ir.cron",
        "method_direct_trigger",
        [cron_id(rpc, "ir_cron_ru54fz_check_devices")],
    )

    job = wait_for(
        "the device check job done by the runner",
        lambda: rpc.search_read(
            "queue.job",
            [
                ("method_name", "=", "_ru54fz_check_device"),
                ("identity_key", "=like", f"ru54fz-device-check-{device_id}-%"),
                ("state", "=", "done"),
            ],
            ["channel", "date_started"],
        ),
    )[0]
    assert job["channel"] == "root.critical"
    (device,) = rpc.call("kkt.device", "read", [device_id], ["ru54fz_alert_codes"])
    assert "ofd_overdue" in device["ru54fz_alert_codes"]
    activities = rpc.search_read(
        "mail.activity",
        [("res_model", "=", "kkt.device"), ("res_id", "=", device_id)],
        ["note"],
    )
    assert any("25 days old" in activity["note"] for activity in activities)

    rpc.call(
        "ir.config_parameter",
        "set_param",
        "optics_pos_ru54fz.metrics_token",
        METRICS_TOKEN,
    )
    metrics = requests.get(
        f"{odoo_server.url}/ru54fz/queue/metrics",
        headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
        timeout=30,
    )
    assert metrics.status_code == 200
    lines = metrics.text.splitlines()
    assert 'ru54fz_queue_jobs{channel="root.critical",state="failed"} 0' in lines
    p99 = 'ru54fz_queue_start_latency_seconds{channel="root.critical",quantile="0.99"}'
    assert any(line.startswith(p99) for line in lines)

    stats = rpc.http.get(f"{odoo_server.url}/ru54fz/queue/stats", timeout=30).json()
    critical = next(row for row in stats["channels"] if row["name"] == "root.critical")
    assert critical["latency_p50"] is not None
    assert stats["isolated"] is False, "3 workers are not above root capacity 5"


def test_metrics_endpoint_refuses_a_scraper_without_the_token(odoo_server):
    response = requests.get(f"{odoo_server.url}/ru54fz/queue/metrics", timeout=30)
    assert response.status_code == 401


def test_paid_order_with_a_phone_gets_one_sms_through_the_gateway(rpc, pos_setup):
    with FakeSmsGateway(port=SMS_GATEWAY_PORT, token=SMS_TOKEN) as gateway:
        for name, value in (("url", gateway.url), ("token", SMS_TOKEN)):
            rpc.call(
                "ir.config_parameter",
                "set_param",
                f"optics_pos_ru54fz.sms_gateway_{name}",
                value,
            )
        rpc.call("kkt.device", "action_kkt_open_shift", [pos_setup.device_id])
        order = paid_order(pos_setup, 1, fiscal_buyer_contact=PHONE)
        rpc.create_from_ui([order])
        rpc.create_from_ui([order])

        wait_for(
            "the SMS job done by the runner",
            lambda: rpc.search_read(
                "queue.job",
                [
                    ("method_name", "=", "_ru54fz_send_receipt_sms"),
                    ("state", "=", "done"),
                ],
                ["channel"],
            ),
            deadline=3 * DEADLINE,
        )

    (message,) = gateway.sent
    assert message["phone"] == PHONE
    assert "FD " in message["text"]
    assert len(gateway.requests) == 1
