// PoolSettingsCache: settings are read once per pool version and re-read when the pool changes.
#include "engine/service/pool_settings_cache.h"

#include <gtest/gtest.h>

namespace cognate {
namespace {

PoolState Pool(uint64_t version, bool device_tracking) {
  PoolState pool;
  pool.exists = true;
  pool.id = "us-east-1_Cache";
  pool.version = version;
  pool.modified_at_ms = static_cast<int64_t>(version) * 1000;
  if (device_tracking) {
    pool.config["DeviceConfiguration"] = {{"ChallengeRequiredOnNewDevice", true},
                                          {"DeviceOnlyRememberedOnUserPrompt", false}};
  }
  return pool;
}

TEST(PoolSettingsCache, ReadsOncePerVersion) {
  PoolSettingsCache cache(16);
  const PoolState v1 = Pool(1, false);
  const auto first = cache.Of(v1);
  EXPECT_EQ(cache.Of(v1), first);  // the same object: not read again
  EXPECT_EQ(first->device_tracking, ReadPoolSettings(v1.config).device_tracking);
}

TEST(PoolSettingsCache, ANewVersionIsReadAgain) {
  PoolSettingsCache cache(16);
  const PoolState v1 = Pool(1, false);
  const PoolState v2 = Pool(2, true);
  ASSERT_NE(ReadPoolSettings(v1.config).device_tracking,
            ReadPoolSettings(v2.config).device_tracking);
  EXPECT_EQ(cache.Of(v1)->device_tracking, ReadPoolSettings(v1.config).device_tracking);
  EXPECT_EQ(cache.Of(v2)->device_tracking, ReadPoolSettings(v2.config).device_tracking);
}

TEST(PoolSettingsCache, StaysBounded) {
  PoolSettingsCache cache(4);
  for (uint64_t version = 1; version <= 20; ++version) {
    EXPECT_EQ(cache.Of(Pool(version, version % 2 == 0))->device_tracking,
              ReadPoolSettings(Pool(version, version % 2 == 0).config).device_tracking);
  }
}

}  // namespace
}  // namespace cognate
