"""Settings read from the environment."""

from trekkportal.settings import cache_config


def test_a_redis_cache_url_keeps_its_key_prefix_and_timeout():
    config = cache_config("redis://127.0.0.1:6379/15?key_prefix=portal-a&timeout=600")

    assert config["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert config["KEY_PREFIX"] == "portal-a"  # Django reads the upper-case names only
    assert config["TIMEOUT"] == 600
    assert "key_prefix" not in config and "timeout" not in config


def test_other_cache_urls_are_unchanged():
    config = cache_config("dbcache://trekkportal_cache")

    assert config["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert config["LOCATION"] == "trekkportal_cache"
