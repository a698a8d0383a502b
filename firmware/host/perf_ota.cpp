// CPU cost of the OTA signature check in the firmware core, for callgrind (`make perf-ota`).
//   perf_ota setup        create a device, trust a key, start an OTA, stream a 96-byte image
//   perf_ota verify       the same, then ota_verify (ECDSA P-256 over the image's SHA-256)
//   perf_ota hash <KiB>   the same as setup, streaming <KiB> more of image (SHA-256 cost)
// Differences between runs isolate each cost; the test vectors are the core tests' own.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "../test/signing_vectors.h"
#include "grouploop_core.h"

namespace v = t::vectors;

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "verify";
  const uint8_t mac[6] = {1, 2, 3, 4, 5, 6};
  gl_device* d = gl_create(R"({"cdn_url":"http://10.0.0.5:5008"})", mac, "1.2.3",
                           "seeed_xiao_esp32c3", 0);
  gl_trust_key(d, v::kKeyA, static_cast<int>(sizeof v::kKeyA));
  gl_ws_receive(d, "ota:http://10.0.0.5:5008/firmware/x.bin", 1);
  gl_ota_data(d, v::kNewer, static_cast<int>(sizeof v::kNewer));
  int verdict = -1;
  if (std::strcmp(mode, "verify") == 0) {
    verdict = gl_ota_verify(d, v::kNewerByA, 2);
  } else if (std::strcmp(mode, "hash") == 0) {
    static uint8_t block[1024];
    const long kib = argc > 2 ? std::atol(argv[2]) : 1024;
    for (long i = 0; i < kib; ++i) gl_ota_data(d, block, static_cast<int>(sizeof block));
  }
  std::printf("%s: verdict %d\n", mode, verdict);
  gl_destroy(d);
  return mode[0] == 'v' && verdict != 1 ? 1 : 0;
}
