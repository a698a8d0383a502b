// Trusted keys, streamed image hash and signature check, on mbedTLS.
#include "gl_signature.h"

#include <mbedtls/base64.h>
#include <mbedtls/ecp.h>

#include "gl_text.h"

namespace gl {

namespace {
constexpr size_t kSha256Bytes = 32;
constexpr size_t kMaxSignatureDer = 72;  // SEQUENCE { INTEGER r, INTEGER s } for P-256

const mbedtls_md_info_t* sha256() { return mbedtls_md_info_from_type(MBEDTLS_MD_SHA256); }
}  // namespace

const char* signature_check_name(SignatureCheck c) {
  switch (c) {
    case SignatureCheck::Valid:
      return "valid";
    case SignatureCheck::Unsigned:
      return "unsigned";
    case SignatureCheck::BadEncoding:
      return "bad_signature_encoding";
    case SignatureCheck::Mismatch:
      return "signature_mismatch";
    case SignatureCheck::NoKeys:
      return "no_trusted_keys";
  }
  return "?";
}

ImageVerifier::ImageVerifier() {
  for (mbedtls_pk_context& k : keys_) mbedtls_pk_init(&k);
  mbedtls_md_init(&md_);
}

ImageVerifier::~ImageVerifier() {
  for (mbedtls_pk_context& k : keys_) mbedtls_pk_free(&k);
  mbedtls_md_free(&md_);
}

bool ImageVerifier::add_key(const uint8_t* der, size_t len) {
  if (count_ == kMaxTrustedKeys) return false;
  if (!hash_ready_) {
    // The one allocation of the hash context, at start-up (see the header).
    if (mbedtls_md_setup(&md_, sha256(), 0) != 0) return false;
    hash_ready_ = true;
  }
  mbedtls_pk_context& key = keys_[count_];
  if (mbedtls_pk_parse_public_key(&key, der, len) != 0 ||
      !mbedtls_pk_can_do(&key, MBEDTLS_PK_ECDSA)) {
    mbedtls_pk_free(&key);
    mbedtls_pk_init(&key);
    return false;
  }
  uint8_t digest[kSha256Bytes];
  if (mbedtls_md(sha256(), der, len, digest) != 0) {
    mbedtls_pk_free(&key);
    mbedtls_pk_init(&key);
    return false;
  }
  Text id(ids_[count_], sizeof ids_[count_]);
  for (size_t i = 0; i < kKeyIdChars / 2; ++i) id.add_hex2(digest[i]);
  ++count_;
  return true;
}

void ImageVerifier::begin() {
  hashing_ = hash_ready_ && mbedtls_md_starts(&md_) == 0;
}

void ImageVerifier::update(const uint8_t* data, size_t len) {
  if (hashing_ && mbedtls_md_update(&md_, data, len) != 0) hashing_ = false;
}

SignatureCheck ImageVerifier::check(std::string_view signature_b64, size_t& key) {
  const bool hashed = hashing_;
  hashing_ = false;
  if (count_ == 0) return SignatureCheck::NoKeys;
  signature_b64 = trim(signature_b64);
  if (signature_b64.empty()) return SignatureCheck::Unsigned;
  uint8_t sig[kMaxSignatureDer];
  size_t sig_len = 0;
  if (signature_b64.size() > kMaxSignatureB64 ||
      mbedtls_base64_decode(sig, sizeof sig, &sig_len,
                            reinterpret_cast<const unsigned char*>(signature_b64.data()),
                            signature_b64.size()) != 0 ||
      sig_len == 0) {
    return SignatureCheck::BadEncoding;
  }
  uint8_t digest[kSha256Bytes];
  if (!hashed || mbedtls_md_finish(&md_, digest) != 0) return SignatureCheck::Mismatch;
  bool well_formed = false;  // some key got as far as the signature's own structure
  for (size_t i = 0; i < count_; ++i) {
    const int err = mbedtls_pk_verify(&keys_[i], MBEDTLS_MD_SHA256, digest, sizeof digest, sig,
                                      sig_len);
    if (err == 0) {
      key = i;
      return SignatureCheck::Valid;
    }
    // A DER or length error says the bytes are no ECDSA signature at all, whatever the key.
    if (err != MBEDTLS_ERR_ECP_VERIFY_FAILED) continue;
    well_formed = true;
  }
  return well_formed ? SignatureCheck::Mismatch : SignatureCheck::BadEncoding;
}

}  // namespace gl
