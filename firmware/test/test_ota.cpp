// OTA requests: the shell is asked, the state is reported, failure keeps the running image.
#include <string>

#include "harness.h"
#include "rig.h"

namespace {
const char kUrl[] = "http://10.0.0.5:5008/firmware/grouploop-seeed_xiao_esp32c3-1.0.1.bin";
}

TEST(ota_request_asks_the_shell_and_reports_progress) {
  t::Rig rig;
  rig.online();
  const std::string answer = rig.command(std::string("ota:") + kUrl);
  CHECK_EQ(answer, std::string(R"(ans:{"cmd":"ota","ok":true,"data":{"state":"in_progress","url":")") +
                       kUrl + "\"}}");
  CHECK_EQ(rig.actions().at(0), std::string("ota ") + kUrl);
  CHECK(rig->ota_state() == gl::OtaState::InProgress);
  CHECK_EQ(rig.command("ota:http://x/y.bin"),
           std::string(R"(ans:{"cmd":"ota","ok":false,"error":"ota_in_progress"})"));
  CHECK(rig.actions().empty());
}

TEST(ota_failure_keeps_the_running_image_and_says_why) {
  t::Rig rig;
  rig.online();
  rig.command(std::string("ota:") + kUrl);
  rig.drain();
  rig->ota_result(false, "MD5 mismatch", rig.now);
  CHECK(rig.actions().empty());  // no reboot: the running image stays in charge
  const auto out = rig.ws();
  CHECK_EQ(out.size(), 1u);
  CHECK_EQ(out.at(0), std::string(R"(ans:{"cmd":"ota_result","ok":false,"error":"MD5 mismatch"})"));
  CHECK(rig.serial().find("log: ota failed, keeping the running image: MD5 mismatch") !=
        std::string::npos);
  const std::string status = rig.command("status");
  CHECK(status.find(R"("ota":{"state":"failed","url":")") != std::string::npos);
  CHECK(status.find(R"("error":"MD5 mismatch"})") != std::string::npos);
  // A new attempt is allowed after a failure.
  CHECK_EQ(rig.command("ota:http://x/y.bin").substr(0, 30), std::string(R"(ans:{"cmd":"ota","ok":true,"da)"));
}

TEST(ota_success_reboots_into_the_new_image) {
  t::Rig rig;
  rig.online();
  rig.command(std::string("ota:") + kUrl);
  rig.drain();
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
