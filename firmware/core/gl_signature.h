// Signed firmware: the public keys the device trusts, the SHA-256 of an image streamed through
// it, and the ECDSA P-256 check of the image's signature (docs/security.md, "Signed firmware").
//
// mbedTLS does the cryptography, the same calls on the device (ESP-IDF's mbedTLS 3.x) and on
// the host (Debian's 2.28): only API both versions share is used (mbedtls_pk_parse_public_key,
// mbedtls_pk_verify, mbedtls_md_*, mbedtls_base64_decode).
//
// Memory: keys are parsed and the hash context is set up at start-up (add_key), where mbedTLS
// allocates. After that, hashing allocates nothing; mbedtls_pk_verify allocates its big-number
// temporaries on the heap during the check and frees them before it returns: a few KiB, once per
// OTA, while the shell already holds the download (docs/firmware.md, "Memory").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <mbedtls/md.h>
#include <mbedtls/pk.h>

namespace gl {

constexpr size_t kMaxTrustedKeys = 4;  // several, so signing keys can be rotated
constexpr size_t kKeyIdChars = 16;     // hex chars of SHA-256(DER SubjectPublicKeyInfo)
constexpr size_t kMaxSignatureB64 = 128;  // base64 of a DER ECDSA P-256 signature (<= 72 bytes)

enum class SignatureCheck : uint8_t {
  Valid,        // a trusted key verifies the image's SHA-256
  Unsigned,     // no signature came with the image
  BadEncoding,  // not base64, or not a DER ECDSA signature that fits
  Mismatch,     // no trusted key verifies it: another key, or an altered or truncated image
  NoKeys,       // the firmware trusts no key at all
};
const char* signature_check_name(SignatureCheck c);

class ImageVerifier {
 public:
  ImageVerifier();
  ~ImageVerifier();
  ImageVerifier(const ImageVerifier&) = delete;
  ImageVerifier& operator=(const ImageVerifier&) = delete;

  // Start-up only: trusts one public key (DER SubjectPublicKeyInfo of an EC P-256 key).
  // False (and nothing kept) when it is not one or the table is full.
  bool add_key(const uint8_t* der, size_t len);
  size_t key_count() const { return count_; }
  const char* key_id(size_t i) const { return ids_[i]; }

  // One image: begin(), update() with every byte in order, then check().
  void begin();
  void update(const uint8_t* data, size_t len);
  // Ends the hash and checks `signature_b64` (base64 of the DER signature) against every
  // trusted key; on Valid, `key` is the index of the key that verified it.
  SignatureCheck check(std::string_view signature_b64, size_t& key);

 private:
  mbedtls_pk_context keys_[kMaxTrustedKeys];
  char ids_[kMaxTrustedKeys][kKeyIdChars + 1] = {};
  size_t count_ = 0;
  mbedtls_md_context_t md_;
  bool hash_ready_ = false;  // md_ is set up (the first add_key does it)
  bool hashing_ = false;     // begin() was called and check() not yet
};

}  // namespace gl
