// OTA: requests, origins, the signature / version verdict before the boot image changes,
// forced downgrades, and how results are reported. Tables of cases, one verdict each.
#include <string>
#include <vector>

#include "gl_version.h"
#include "harness.h"
#include "rig.h"
#include "signing_vectors.h"

namespace {
namespace v = t::vectors;

const char kUrl[] = "http://10.0.0.5:5008/firmware/grouploop-seeed_xiao_esp32c3-1.2.4.bin";
const char kCdn[] = R"({"cdn_url":"http://10.0.0.5:5008"})";

// A device (version 1.2.3) whose CDN serves kUrl, trusting keys A and B as a build would.
struct OtaRig : t::Rig {
  explicit OtaRig(const char* config = kCdn, bool keys = true) : t::Rig(config) {
    if (keys) {
      CHECK(dev->trust_key(v::kKeyA, sizeof v::kKeyA));
      CHECK(dev->trust_key(v::kKeyB, sizeof v::kKeyB));
    }
    online();
  }
  std::string start(const std::string& command = std::string("ota:") + kUrl) {
    const std::string answer = t::Rig::command(command);
    drain();
    return answer;
  }
  void feed(const std::vector<uint8_t>& image, size_t chunk = 7) {
    for (size_t at = 0; at < image.size(); at += chunk) {
      const size_t n = image.size() - at < chunk ? image.size() - at : chunk;
      dev->ota_data(image.data() + at, n);
    }
  }
};

template <size_t N>
std::vector<uint8_t> bytes(const uint8_t (&a)[N]) {
  return std::vector<uint8_t>(a, a + N);
}

std::string result_error(OtaRig& rig) {
  const auto out = rig.ws();
  if (out.size() != 1) return "<" + std::to_string(out.size()) + " answers>";
  const std::string prefix = R"(ans:{"cmd":"ota_result","ok":false,"error":")";
  if (out[0].rfind(prefix, 0) != 0) return out[0];
  return out[0].substr(prefix.size(), out[0].size() - prefix.size() - 2);
}

struct Verdict {
  const char* name;
  const char* command;  // "ota" or "ota_downgrade"
  std::vector<uint8_t> image;
  const char* signature;
  const char* refusal;  // nullptr: accepted
};

std::vector<uint8_t> tampered() {
  std::vector<uint8_t> image = bytes(v::kNewer);
  image[90] ^= 0x01;  // one bit of the payload
  return image;
}

std::vector<uint8_t> truncated() {
  std::vector<uint8_t> image = bytes(v::kNewer);
  image.resize(image.size() - 5);
  return image;
}

std::string flipped_der(const char* b64) {
  std::string s = b64;
  s[0] = s[0] == 'M' ? 'N' : 'M';  // "MEUC..." : the SEQUENCE tag is no longer 0x30
  return s;
}

}  // namespace

TEST(ota_image_verdict_table) {
  const std::string bad_der = flipped_der(v::kNewerByA);
  const Verdict kCases[] = {
      {"signed by key A", "ota", bytes(v::kNewer), v::kNewerByA, nullptr},
      {"rotation: signed by key B", "ota", bytes(v::kNewer), v::kNewerByB, nullptr},
      {"signed by an untrusted key", "ota", bytes(v::kNewer), v::kNewerByC, "signature_mismatch"},
      {"tampered image", "ota", tampered(), v::kNewerByA, "signature_mismatch"},
      {"truncated image", "ota", truncated(), v::kNewerByA, "signature_mismatch"},
      {"unsigned", "ota", bytes(v::kNewer), "", "unsigned"},
      {"signature not base64", "ota", bytes(v::kNewer), "not base64!", "bad_signature_encoding"},
      {"signature not DER", "ota", bytes(v::kNewer), bad_der.c_str(), "bad_signature_encoding"},
      {"signature too short", "ota", bytes(v::kNewer), "AAAA", "bad_signature_encoding"},
      {"older version", "ota", bytes(v::kOlder), v::kOlderByA,
       "older_version: 1.2.2 < running 1.2.3"},
      {"forced downgrade", "ota_downgrade", bytes(v::kOlder), v::kOlderByA, nullptr},
      {"forced downgrade still needs the signature", "ota_downgrade", bytes(v::kOlder),
       v::kNewerByA, "signature_mismatch"},
      {"signed garbage", "ota", bytes(v::kGarbage), v::kGarbageByA, "not_an_app_image"},
  };
  for (const Verdict& c : kCases) {
    ROW(c.name);
    OtaRig rig;
    const std::string started = rig.start(std::string(c.command) + ":" + kUrl);
    CHECK(started.find(R"("ok":true)") != std::string::npos);
    rig.feed(c.image);
    const bool accepted = rig->ota_verify(c.signature, rig.now);
    CHECK_EQ(accepted, c.refusal == nullptr);
    if (c.refusal != nullptr) {
      CHECK_EQ(result_error(rig), std::string(c.refusal));
      CHECK(rig->ota_state() == gl::OtaState::Failed);
      CHECK(rig.actions().empty());  // no reboot: the running image stays
      CHECK(rig.serial().find(std::string("ota failed, keeping the running image: ") +
                              c.refusal) != std::string::npos);
    } else {
      CHECK(rig.ws().empty());  // the verdict comes with the shell's result
      CHECK(rig.serial().find("ota image verified: version 1.2.") != std::string::npos);
      rig->ota_result(true, "", rig.now);
      CHECK_EQ(rig.actions().at(0), std::string("reboot"));
      CHECK(rig->ota_state() == gl::OtaState::Succeeded);
    }
  }
}

TEST(ota_verified_names_the_key_that_signed) {
  OtaRig rig;
  rig.start();
  rig.feed(bytes(v::kNewer), 96);
  CHECK(rig->ota_verify(v::kNewerByB, rig.now));
  CHECK(rig.serial().find(std::string("signed by key ") + v::kKeyBId) != std::string::npos);
}

TEST(ota_success_without_an_accepted_image_is_a_failure) {
  OtaRig rig;
  rig.start();
  rig.feed(bytes(v::kNewer));
  rig->ota_result(true, "", rig.now);  // a shell that skipped ota_verify
  CHECK_EQ(result_error(rig), std::string("not_verified"));
  CHECK(rig.actions().empty());
}

TEST(ota_verify_without_a_download_is_ignored) {
  OtaRig rig;
  CHECK(!rig->ota_verify(v::kNewerByA, rig.now));
  CHECK(rig.ws().empty());
  CHECK(rig.serial().find("ota verify ignored") != std::string::npos);
}

TEST(ota_without_trusted_keys_is_refused_at_once) {
  OtaRig rig(kCdn, /*keys=*/false);
  CHECK_EQ(rig.start(), std::string(R"(ans:{"cmd":"ota","ok":false,"error":"no_trusted_keys"})"));
  CHECK(rig.actions().empty());
  CHECK(rig->ota_state() == gl::OtaState::Idle);
}

TEST(trusted_keys_table) {
  t::Rig rig;
  CHECK(rig->trust_key(v::kKeyA, sizeof v::kKeyA));
  CHECK(rig.serial().find(std::string("ota signing key trusted: ") + v::kKeyAId) !=
        std::string::npos);
  CHECK(!rig->trust_key(v::kKeyA, 20));                // cut short
  CHECK(!rig->trust_key(v::kNewer, sizeof v::kNewer));  // not a key at all
  CHECK(rig.serial().find("ota signing key refused") != std::string::npos);
  CHECK(rig->trust_key(v::kKeyB, sizeof v::kKeyB));
  CHECK(rig->trust_key(v::kKeyA, sizeof v::kKeyA));
  CHECK(rig->trust_key(v::kKeyB, sizeof v::kKeyB));
  CHECK(!rig->trust_key(v::kKeyA, sizeof v::kKeyA));  // the table holds four
}

struct OriginCase {
  const char* config;
  const char* url;
  bool allowed;
};

TEST(ota_origin_table) {
  const OriginCase kCases[] = {
      {kCdn, "http://10.0.0.5:5008/firmware/a.bin", true},
      {kCdn, "http://10.0.0.6:5008/firmware/a.bin", false},
      {kCdn, "https://10.0.0.5:5008/firmware/a.bin", false},
      {kCdn, "http://10.0.0.5:5009/firmware/a.bin", false},
      {kCdn, "http://10.0.0.5/firmware/a.bin", false},
      {kCdn, "http://10.0.0.5:5008@evil.example/a.bin", false},
      {R"({"cdn_url":"http://cdn.example/static"})", "http://CDN.example:80/a.bin", true},
      // https needs a CA to verify the server with (test_tls.cpp); any armoured one will do.
      {R"({"cdn_url":"https://cdn.example","ca_cert":"-----BEGIN CERTIFICATE-----x-----END CERTIFICATE-----"})",
       "https://cdn.example:443/a.bin", true},
      {R"({"ota_origins":["https://fw.example"],"ca_cert":"-----BEGIN CERTIFICATE-----x-----END CERTIFICATE-----"})",
       "https://fw.example/a.bin", true},
      {R"({"cdn_url":"http://10.0.0.5:5008","ota_origins":["https://fw.example"]})",
       "http://10.0.0.5:5008/a.bin", false},
      {R"({"ota_origins":["https://fw.example","http://10.1.1.1:8080"]})",
       "http://10.1.1.1:8080/b.bin", true},
      {R"({"ota_origins":[]})", "http://localhost:5008/a.bin", true},  // default: cdn_url
  };
  for (const OriginCase& c : kCases) {
    ROW(std::string(c.config) + " " + c.url);
    OtaRig rig(c.config);
    const std::string answer = rig.start(std::string("ota:") + c.url);
    if (c.allowed) {
      CHECK(answer.find(R"("ok":true)") != std::string::npos);
    } else {
      CHECK_EQ(answer, std::string(R"(ans:{"cmd":"ota","ok":false,"error":"origin_not_allowed"})"));
      CHECK(rig->ota_state() == gl::OtaState::Idle);
    }
  }
}

TEST(ota_request_asks_the_shell_and_reports_progress) {
  OtaRig rig;
  const std::string answer = rig.command(std::string("ota:") + kUrl);
  CHECK_EQ(answer, std::string(R"(ans:{"cmd":"ota","ok":true,"data":{"state":"in_progress","url":")") +
                       kUrl + "\"}}");
  CHECK_EQ(rig.actions().at(0), std::string("ota ") + kUrl);
  CHECK(rig->ota_state() == gl::OtaState::InProgress);
  CHECK_EQ(rig.command(std::string("ota_downgrade:") + kUrl),
           std::string(R"(ans:{"cmd":"ota_downgrade","ok":false,"error":"ota_in_progress"})"));
  CHECK(rig.actions().empty());
}

TEST(ota_failure_keeps_the_running_image_and_says_why) {
  OtaRig rig;
  rig.start();
  rig->ota_result(false, "http_404", rig.now);
  CHECK(rig.actions().empty());  // no reboot: the running image stays in charge
  CHECK_EQ(result_error(rig), std::string("http_404"));
  CHECK(rig.serial().find("log: ota failed, keeping the running image: http_404") !=
        std::string::npos);
  const std::string status = rig.command("status");
  CHECK(status.find(R"("ota":{"state":"failed","url":")") != std::string::npos);
  CHECK(status.find(R"("error":"http_404"})") != std::string::npos);
  // A new attempt is allowed after a failure.
  CHECK_EQ(rig.command(std::string("ota:") + kUrl).substr(0, 30),
           std::string(R"(ans:{"cmd":"ota","ok":true,"da)"));
}

TEST(ota_success_reboots_into_the_new_image) {
  OtaRig rig;
  rig.start();
  rig.feed(bytes(v::kNewer));
  CHECK(rig->ota_verify(v::kNewerByA, rig.now));
  rig->ota_result(true, "", rig.now);
  CHECK_EQ(rig.actions().at(0), std::string("reboot"));
  CHECK_EQ(rig.ws().at(0),
           std::string(R"(ans:{"cmd":"ota_result","ok":true,"data":{"state":"succeeded","url":")") +
               kUrl + "\"}}");
}

TEST(ota_result_without_a_request_is_ignored) {
  t::Rig rig;
  rig.online();
  rig->ota_result(true, "", rig.now);
  CHECK(rig.actions().empty());
  CHECK(rig.ws().empty());
  CHECK(rig->ota_state() == gl::OtaState::Idle);
  CHECK(rig.serial().find("log: ota result ignored") != std::string::npos);
}

struct VersionCase {
  const char* a;
  const char* b;
  int order;  // compare_versions(a, b)
};

TEST(version_order_table) {
  const VersionCase kCases[] = {
      {"1.2.3", "1.2.3", 0},       {"1.2.2", "1.2.3", -1},        {"1.10.0", "1.9.9", 1},
      {"2", "1.99.99", 1},         {"1.2", "1.2.0", 0},           {"1.2.3-rc1", "1.2.3", -1},
      {"1.2.3", "1.2.3-dev", 1},   {"1.2.3-a", "1.2.3-b", -1},    {"0.0.0-dev", "0.0.1", -1},
  };
  for (const VersionCase& c : kCases) {
    ROW(std::string(c.a) + " vs " + c.b);
    CHECK(gl::version_valid(c.a) && gl::version_valid(c.b));
    CHECK_EQ(gl::compare_versions(c.a, c.b), c.order);
    CHECK_EQ(gl::compare_versions(c.b, c.a), -c.order);
  }
  for (const char* bad : {"", "x", "1.2.3.4", "1..2", "1.2.3-", "-rc", "1.2.3-a b", "1.2.x"}) {
    ROW(bad);
    CHECK(!gl::version_valid(bad));
  }
}

TEST(app_image_version_needs_both_magic_numbers) {
  char out[gl::kMaxVersionChars + 1];
  std::vector<uint8_t> image = bytes(v::kNewer);
  CHECK(gl::app_image_version(image.data(), image.size(), out));
  CHECK_EQ(std::string(out), std::string("1.2.4"));
  CHECK(!gl::app_image_version(image.data(), gl::kAppHeadBytes - 1, out));
  image[0] = 0xE8;
  CHECK(!gl::app_image_version(image.data(), image.size(), out));
  image = bytes(v::kNewer);
  image[33] ^= 1;
  CHECK(!gl::app_image_version(image.data(), image.size(), out));
  image = bytes(v::kNewer);
  for (size_t i = 48; i < 80; ++i) image[i] = 'x';  // no terminating NUL
  CHECK(!gl::app_image_version(image.data(), image.size(), out));
}

TEST(https_ota_without_ca_cert_is_refused_with_a_reason) {
  OtaRig without(R"({"cdn_url":"https://cdn.venue:5008"})");
  CHECK_EQ(without.command("ota:https://cdn.venue:5008/firmware/a.bin"),
           std::string(R"(ans:{"cmd":"ota","ok":false,"error":"no_ca_cert"})"));
  CHECK(without.actions().empty());
  CHECK(without->ota_state() == gl::OtaState::Idle);
  CHECK(without.serial().find("log: ota refused: https:// needs a ca_cert") != std::string::npos);
  OtaRig with(R"({"cdn_url":"https://cdn.venue:5008",)"
              R"("ca_cert":"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"})");
  with.command("ota:https://cdn.venue:5008/firmware/a.bin");
  CHECK_EQ(with.actions().at(0), std::string("ota https://cdn.venue:5008/firmware/a.bin"));
}
