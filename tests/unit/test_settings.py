"""Configuration read from the environment, with defaults that work on a fresh clone."""
import pytest

from payments.settings import DEFAULT_SANDBOX_URL, SANDBOX_MERCHANT_KEY, load_settings


def test_defaults_use_the_sandbox_and_sqlite() -> None:
    settings = load_settings({})
    assert settings.uses_sandbox
    assert settings.omari_api_base_url == DEFAULT_SANDBOX_URL
    assert settings.omari_merchant_key == SANDBOX_MERCHANT_KEY
    assert settings.omari_merchant_channel == "WEB"
    assert (settings.omari_connect_timeout, settings.omari_read_timeout) == (10.0, 30.0)
    assert settings.database_url.startswith("sqlite:///")
    assert settings.payment_workers == 16


def test_payment_workers_sizes_the_action_servers_thread_pool() -> None:
    assert load_settings({"PAYMENT_WORKERS": "32"}).payment_workers == 32


def test_a_merchant_key_switches_the_sandbox_off_and_stays_out_of_repr() -> None:
    settings = load_settings({"OMARI_MERCHANT_KEY": "live-key-do-not-log", "OMARI_API_BASE_URL": "https://o.example/api/"})
    assert not settings.uses_sandbox
    assert settings.omari_api_base_url == "https://o.example/api"
    assert "live-key-do-not-log" not in repr(settings)


@pytest.mark.parametrize("environ", [
    {"OMARI_MERCHANT_KEY": SANDBOX_MERCHANT_KEY},  # the demo profile's key only opens the sandbox
    {"OMARI_MERCHANT_KEY": "e2e-key", "OMARI_SANDBOX": "true"},
])
def test_the_sandbox_is_recognised_even_with_a_key(environ) -> None:
    assert load_settings(environ).uses_sandbox


def test_the_action_server_warns_at_start_on_the_sandbox(caplog: pytest.LogCaptureFixture) -> None:
    from actions.startup_checks import warn_if_sandbox

    assert warn_if_sandbox(load_settings({}))
    assert "O'MARI SANDBOX" in caplog.text and "no money" in caplog.text
    caplog.clear()
    assert not warn_if_sandbox(load_settings({"OMARI_MERCHANT_KEY": "live", "OMARI_API_BASE_URL": "https://o.example"}))
    assert "SANDBOX" not in caplog.text


def test_retention_defaults_to_90_days() -> None:
    assert load_settings({}).conversation_retention_days == 90
    assert load_settings({"CONVERSATION_RETENTION_DAYS": "30"}).conversation_retention_days == 30


def test_database_password_is_hidden_in_repr() -> None:
    settings = load_settings({"DATABASE_URL": "postgresql://kali:s3cret@db/bookings"})
    assert "s3cret" not in repr(settings)


@pytest.mark.parametrize(
    "name, value",
    [
        ("OMARI_READ_TIMEOUT", "soon"),
        ("OMARI_CONNECT_TIMEOUT", "-1"),
        ("OMARI_MERCHANT_CHANNEL", "ECOCASH"),
        ("MAX_INVALID_ANSWERS", "0"),
        ("PAYMENT_WORKERS", "0"),
        ("PAYMENT_WORKERS", "many"),
    ],
)
def test_bad_values_are_refused_with_the_variables_name(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        load_settings({name: value})


def test_money_safety_defaults_and_overrides() -> None:
    defaults = load_settings({})
    assert (defaults.otp_lifetime_seconds, defaults.otp_requests_per_window, defaults.otp_request_window_minutes,
            defaults.otp_requests_per_day, defaults.reconcile_interval_seconds) == (300, 3, 15, 10, 60)
    custom = load_settings({"OTP_LIFETIME_SECONDS": "120", "OTP_REQUEST_LIMIT": "5",
                            "OTP_REQUEST_WINDOW_MINUTES": "60", "OTP_REQUEST_DAILY_LIMIT": "20",
                            "RECONCILE_INTERVAL_SECONDS": "30"})
    assert (custom.otp_lifetime_seconds, custom.otp_requests_per_window, custom.otp_request_window_minutes,
            custom.otp_requests_per_day, custom.reconcile_interval_seconds) == (120, 5, 60, 20, 30)


ABUSE_LIMITS = {"OTP_WALLET_REQUEST_LIMIT": 3, "OTP_WALLET_REQUEST_DAILY_LIMIT": 10, "OTP_BOOKING_REQUEST_LIMIT": 5,
                "OTP_MERCHANT_REQUESTS_PER_MINUTE": 60, "WRONG_OTP_WALLET_DAILY_LIMIT": 6,
                "UNKNOWN_BOOKING_LIMIT": 5, "UNKNOWN_BOOKING_WINDOW_MINUTES": 15}


def test_abuse_limits_defaults_overrides_and_the_policy_they_make() -> None:
    from payments.limits.policy import LimitScope, booking_lookup_limit, otp_request_limits

    defaults = load_settings({})
    assert [(limit.scope, limit.count, limit.description) for limit in otp_request_limits(defaults)] == [
        (LimitScope.SENDER, 3, "15 minutes"), (LimitScope.SENDER, 10, "day"),
        (LimitScope.BOOKING, 5, "15 minutes"),  # the chat's own limits first (issue 25)
        (LimitScope.WALLET, 3, "15 minutes"), (LimitScope.WALLET, 10, "day"), (LimitScope.MERCHANT, 60, "minute")]
    assert (defaults.wrong_otps_per_wallet_per_day, booking_lookup_limit(defaults).count) == (6, 5)
    custom = load_settings({name: str(value * 2) for name, value in ABUSE_LIMITS.items()})
    assert [limit.count for limit in otp_request_limits(custom)][2:] == [10, 6, 20, 120]
    assert booking_lookup_limit(custom).description == "30 minutes"


@pytest.mark.parametrize("wait, words", [(0, "1 minute"), (59, "1 minute"), (61, "2 minutes"),
                                         (14 * 60 + 1, "15 minutes"), (89 * 60, "89 minutes"),
                                         (24 * 3600 - 5, "24 hours")])
def test_waits_are_told_rounded_up(wait: int, words: str) -> None:
    from datetime import timedelta

    from payments.limits.policy import describe_wait

    assert describe_wait(timedelta(seconds=wait)) == words


@pytest.mark.parametrize("name", ["OTP_LIFETIME_SECONDS", "OTP_REQUEST_LIMIT", "OTP_REQUEST_WINDOW_MINUTES",
                                  "OTP_REQUEST_DAILY_LIMIT", "RECONCILE_INTERVAL_SECONDS", *ABUSE_LIMITS])
def test_money_safety_settings_refuse_zero(name: str) -> None:
    with pytest.raises(ValueError, match=name):
        load_settings({name: "0"})


@pytest.mark.parametrize("minutes, words", [(15, "15 minutes"), (1, "minute"), (60, "hour"), (120, "2 hours"),
                                            (1440, "day"), (2880, "2 days"), (90, "90 minutes")])
def test_limit_windows_are_named_the_way_a_customer_reads_them(minutes: int, words: str) -> None:
    from payments.limits.policy import describe_minutes

    assert describe_minutes(minutes) == words


def test_otp_request_limits_count_in_the_database_unless_a_redis_url_is_set() -> None:
    from payments.limits.otp_requests import DatabaseRequestLimiter, RedisRequestLimiter, request_limiter

    assert load_settings({}).rate_limit_redis_url == ""
    assert isinstance(request_limiter(""), DatabaseRequestLimiter)
    configured = load_settings({"RATE_LIMIT_REDIS_URL": " redis://:pw-not-logged@cache:6379/2 "})
    assert configured.rate_limit_redis_url == "redis://:pw-not-logged@cache:6379/2"
    assert "pw-not-logged" not in repr(configured) and "redis" in repr(configured)
    limiter = request_limiter(configured.rate_limit_redis_url)  # connects lazily: no Redis needed here
    assert isinstance(limiter, RedisRequestLimiter)
    limiter.close()


def test_a_rate_limit_url_that_is_not_redis_is_refused_without_echoing_its_password() -> None:
    with pytest.raises(ValueError, match="RATE_LIMIT_REDIS_URL") as refused:
        load_settings({"RATE_LIMIT_REDIS_URL": "http://user:s3cret@cache:6379"})
    assert "s3cret" not in str(refused.value)
