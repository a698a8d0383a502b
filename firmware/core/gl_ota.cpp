// OTA: the commands that start one, and the core's verdict on the downloaded image.
//
// The device installs an image only when all of these hold, checked before the boot partition
// changes (docs/security.md, "Signed firmware"):
//   - the URL's origin is allowed (config ota_origins; none set: the origin of cdn_url);
//   - a key compiled into the firmware verifies the ECDSA P-256 signature of the image's SHA-256;
//   - the image is an app image whose version is not older than the running one, unless an
//     admin forced a downgrade with `ota_downgrade:<url>`.
#include "gl_device.h"
#include "gl_url.h"

namespace gl {

namespace {
constexpr size_t kMaxOtaUrl = 199;
}  // namespace

bool Device::trust_key(const uint8_t* der, size_t len) {
  if (!verifier_.add_key(der, len)) {
    log("ota signing key refused: not an EC P-256 public key, or too many keys");
    return false;
  }
  log("ota signing key trusted: ", verifier_.key_id(verifier_.key_count() - 1));
  return true;
}

bool Device::ota_origin_allowed(std::string_view url) const {
  bool any = false;
  for (const char* origin : config_.ota_origins) {
    if (origin[0] == '\0') continue;
    any = true;
    if (same_origin(url, origin)) return true;
  }
  return !any && same_origin(url, config_.cdn_url);
}

void Device::cmd_ota(std::string_view p, Text& data, const char*& err) {
  start_ota(p, /*force=*/false, data, err);
}

void Device::cmd_ota_downgrade(std::string_view p, Text& data, const char*& err) {
  start_ota(p, /*force=*/true, data, err);
}

void Device::start_ota(std::string_view url, bool force, Text& data, const char*& err) {
  if (url.size() > kMaxOtaUrl || !url_ok(url, "http://", "https://")) {
    err = "invalid_parameters";
  } else if (ota_ == OtaState::InProgress) {
    err = "ota_in_progress";
  } else if (!ota_origin_allowed(url)) {
    err = "origin_not_allowed";
  } else if (verifier_.key_count() == 0) {
    err = "no_trusted_keys";
  } else if (tls_unverifiable(config_, url)) {
    log("ota refused: https:// needs a ca_cert to verify the server with: ", url);
    err = "no_ca_cert";
  }
  if (err != nullptr) return;
  ota_ = OtaState::InProgress;
  ota_force_ = force;
  ota_verified_ = false;
  ota_head_len_ = 0;
  verifier_.begin();
  copy_to(ota_url_, sizeof ota_url_, url);
  ota_error_[0] = '\0';
  action("ota", url);
  log(force ? "ota (downgrade allowed) requested: " : "ota requested: ", url);
  data.add("{\"state\":\"in_progress\",\"url\":").add_json_string(url).add('}');
}

void Device::ota_data(const uint8_t* data, size_t len) {
  if (ota_ != OtaState::InProgress || ota_verified_) return;
  for (size_t i = 0; i < len && ota_head_len_ < sizeof ota_head_; ++i) {
    ota_head_[ota_head_len_++] = data[i];
  }
  verifier_.update(data, len);
}

bool Device::ota_verify(std::string_view signature_b64, uint32_t now_ms) {
  now_ = now_ms;
  if (ota_ != OtaState::InProgress || ota_verified_) {
    log("ota verify ignored: no download to check");
    return false;
  }
  size_t key = 0;
  const SignatureCheck check = verifier_.check(signature_b64, key);
  char version[kMaxVersionChars + 1] = {};
  char buf[sizeof ota_error_];
  Text refusal(buf, sizeof buf);
  if (check != SignatureCheck::Valid) {
    refusal.add(signature_check_name(check));
  } else if (!app_image_version(ota_head_, ota_head_len_, version) || !version_valid(version)) {
    refusal.add("not_an_app_image");
  } else if (!ota_force_ && version_valid(version_) && compare_versions(version, version_) < 0) {
    refusal.add("older_version: ").add(version).add(" < running ").add(version_);
  }
  if (refusal.size() > 0) {
    ota_result(false, refusal.view(), now_ms);
    return false;
  }
  ota_verified_ = true;
  char what[96];
  Text t(what, sizeof what);
  t.add(version).add(", signed by key ").add(verifier_.key_id(key));
  log("ota image verified: version ", t.view());
  return true;
}

void Device::ota_result(bool ok, std::string_view reason, uint32_t now_ms) {
  now_ = now_ms;
  if (ota_ != OtaState::InProgress) {
    log("ota result ignored: no update running");
    return;
  }
  if (ok && !ota_verified_) {
    ok = false;  // the core never calls an image good that it has not accepted
    reason = "not_verified";
  }
  char buf[320];
  Text ans(buf, sizeof buf);
  // The verdict is an event of its own, "ota_result": the ota command already had its one
  // answer (docs/protocol.md: every command gets exactly one).
  ans.add("ans:{\"cmd\":\"ota_result\",\"ok\":");
  if (ok) {
    ota_ = OtaState::Succeeded;
    ans.add("true,\"data\":{\"state\":\"succeeded\",\"url\":").add_json_string(ota_url_);
    ans.add("}}");
    log("ota succeeded, rebooting into the new image");
    action("reboot", {});
  } else {
    ota_ = OtaState::Failed;
    Text err(ota_error_, sizeof ota_error_);
    err.add(reason.empty() ? std::string_view("failed") : reason);
    ans.add("false,\"error\":").add_json_string(ota_error_).add('}');
    log("ota failed, keeping the running image: ", ota_error_);
  }
  if (conn_.state() == Link::Online) ws_out_.push(ans.view());
}

}  // namespace gl
