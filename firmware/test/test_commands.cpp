// Every command of cdn/static/commands.json with valid and invalid parameters: one answer each,
// and a refused command leaves the device state exactly as it was.
#include <string>

#include "harness.h"
#include "rig.h"

namespace {

std::string run(t::Rig& rig, const std::string& line) {
  char buf[1024];
  gl::Text answer(buf, sizeof buf);
  rig->run_command(line, gl::Source::Console, rig.now, answer);
  return answer.c_str();
}

// Everything observable about the device except the clock.
std::string snapshot(t::Rig& rig) {
  std::string s = run(rig, "led_get_state");
  char buf[1024];
  gl::Text status(buf, sizeof buf);
  rig->status_json(status);
  s += status.c_str();
  s += rig->motor_on() ? "M" : "m";
  return s;
}

struct Row {
  const char* line;
  const char* answer;  // exact answer line
};

const Row kAccepted[] = {
    {"led:ff0000", R"(ans:{"cmd":"led","ok":true})"},
    {"led:00FFaa", R"(ans:{"cmd":"led","ok":true})"},
    {"pattern:breathing", R"(ans:{"cmd":"pattern","ok":true})"},
    {"pattern:heartbeat", R"(ans:{"cmd":"pattern","ok":true})"},
    {"pattern:cycle", R"(ans:{"cmd":"pattern","ok":true})"},
    {"pattern:spring", R"(ans:{"cmd":"pattern","ok":true})"},
    {"pattern:solid", R"(ans:{"cmd":"pattern","ok":true})"},
    {"pattern:off", R"(ans:{"cmd":"pattern","ok":true})"},
    {"brightness:0", R"(ans:{"cmd":"brightness","ok":true})"},
    {"brightness:255", R"(ans:{"cmd":"brightness","ok":true})"},
    {"spring_param:10050a", R"(ans:{"cmd":"spring_param","ok":true})"},
    {"spring_param:FF00FF", R"(ans:{"cmd":"spring_param","ok":true})"},
    {"vibrate:1", R"(ans:{"cmd":"vibrate","ok":true})"},
    {"vibrate:10000", R"(ans:{"cmd":"vibrate","ok":true})"},
    {"reset", R"(ans:{"cmd":"reset","ok":true})"},
    {"led_set:0:00ff00", R"(ans:{"cmd":"led_set","ok":true})"},
    {"led_set:5:123abc", R"(ans:{"cmd":"led_set","ok":true})"},
    {"led_off:0", R"(ans:{"cmd":"led_off","ok":true})"},
    {"led_off:5", R"(ans:{"cmd":"led_off","ok":true})"},
    {"led_all_off", R"(ans:{"cmd":"led_all_off","ok":true})"},
};

const Row kRefused[] = {
    {"nope", R"(ans:{"cmd":"nope","ok":false,"error":"unknown_command"})"},
    {"LED:ff0000", R"(ans:{"cmd":"LED","ok":false,"error":"unknown_command"})"},
    {"we\"ird:1", R"(ans:{"cmd":"we\"ird","ok":false,"error":"unknown_command"})"},
    {"led", R"(ans:{"cmd":"led","ok":false,"error":"missing_parameters"})"},
    {"led:", R"(ans:{"cmd":"led","ok":false,"error":"missing_parameters"})"},
    {"led:ff00", R"(ans:{"cmd":"led","ok":false,"error":"invalid_parameters"})"},
    {"led:gg0000", R"(ans:{"cmd":"led","ok":false,"error":"invalid_parameters"})"},
    {"led:ff00001", R"(ans:{"cmd":"led","ok":false,"error":"invalid_parameters"})"},
    {"pattern:rainbow", R"(ans:{"cmd":"pattern","ok":false,"error":"invalid_parameters"})"},
    {"pattern:Solid", R"(ans:{"cmd":"pattern","ok":false,"error":"invalid_parameters"})"},
    {"pattern", R"(ans:{"cmd":"pattern","ok":false,"error":"missing_parameters"})"},
    {"brightness:256", R"(ans:{"cmd":"brightness","ok":false,"error":"invalid_parameters"})"},
    {"brightness:-1", R"(ans:{"cmd":"brightness","ok":false,"error":"invalid_parameters"})"},
    {"brightness:1.5", R"(ans:{"cmd":"brightness","ok":false,"error":"invalid_parameters"})"},
    {"brightness:abc", R"(ans:{"cmd":"brightness","ok":false,"error":"invalid_parameters"})"},
    {"brightness:9999999999", R"(ans:{"cmd":"brightness","ok":false,"error":"invalid_parameters"})"},
    {"spring_param:000000", R"(ans:{"cmd":"spring_param","ok":false,"error":"invalid_parameters"})"},
    {"spring_param:100500", R"(ans:{"cmd":"spring_param","ok":false,"error":"invalid_parameters"})"},
    {"spring_param:10050", R"(ans:{"cmd":"spring_param","ok":false,"error":"invalid_parameters"})"},
    {"spring_param:xx050a", R"(ans:{"cmd":"spring_param","ok":false,"error":"invalid_parameters"})"},
    {"vibrate:0", R"(ans:{"cmd":"vibrate","ok":false,"error":"invalid_parameters"})"},
    {"vibrate:10001", R"(ans:{"cmd":"vibrate","ok":false,"error":"invalid_parameters"})"},
    {"vibrate:", R"(ans:{"cmd":"vibrate","ok":false,"error":"missing_parameters"})"},
    {"reset:now", R"(ans:{"cmd":"reset","ok":false,"error":"invalid_parameters"})"},
    {"status:x", R"(ans:{"cmd":"status","ok":false,"error":"invalid_parameters"})"},
    {"ota", R"(ans:{"cmd":"ota","ok":false,"error":"missing_parameters"})"},
    {"ota:ftp://x/a.bin", R"(ans:{"cmd":"ota","ok":false,"error":"invalid_parameters"})"},
    {"ota:http://", R"(ans:{"cmd":"ota","ok":false,"error":"invalid_parameters"})"},
    {"ota:http://a b/c", R"(ans:{"cmd":"ota","ok":false,"error":"invalid_parameters"})"},
    {"led_set:6:ff0000", R"(ans:{"cmd":"led_set","ok":false,"error":"invalid_parameters"})"},
    {"led_set:-1:ff0000", R"(ans:{"cmd":"led_set","ok":false,"error":"invalid_parameters"})"},
    {"led_set:1:ff00", R"(ans:{"cmd":"led_set","ok":false,"error":"invalid_parameters"})"},
    {"led_set:1", R"(ans:{"cmd":"led_set","ok":false,"error":"missing_parameters"})"},
    {"led_set:1:", R"(ans:{"cmd":"led_set","ok":false,"error":"missing_parameters"})"},
    {"led_off:6", R"(ans:{"cmd":"led_off","ok":false,"error":"invalid_parameters"})"},
    {"led_off:x", R"(ans:{"cmd":"led_off","ok":false,"error":"invalid_parameters"})"},
    {"led_all_off:1", R"(ans:{"cmd":"led_all_off","ok":false,"error":"invalid_parameters"})"},
    {"led_get_state:1", R"(ans:{"cmd":"led_get_state","ok":false,"error":"invalid_parameters"})"},
};

}  // namespace

TEST(commands_accepted) {
  for (const Row& r : kAccepted) {
    ROW(r.line);
    t::Rig rig;
    CHECK_EQ(run(rig, r.line), std::string(r.answer));
  }
}

TEST(commands_refused_leave_state_unchanged) {
  for (const Row& r : kRefused) {
    ROW(r.line);
    t::Rig rig;
    run(rig, "led_set:2:102030");
    run(rig, "brightness:77");
    const std::string before = snapshot(rig);
    rig.drain();
    CHECK_EQ(run(rig, r.line), std::string(r.answer));
    CHECK_EQ(snapshot(rig), before);
    CHECK(rig.actions().empty());
  }
}

TEST(commands_change_what_they_say) {
  t::Rig rig;
  run(rig, "led:ff8000");
  const std::string state = R"(ans:{"cmd":"led_get_state","ok":true,"data":{"pattern":"solid",)";
  CHECK_EQ(run(rig, "led_get_state").substr(0, state.size()), state);
  CHECK_EQ(rig->leds().leds[3].g, 0x80);
  run(rig, "pattern:heartbeat");
  run(rig, "led_set:1:00ff00");  // per-LED commands show what was set: solid
  CHECK(rig->leds().pattern == gl::Pattern::Solid);
  CHECK_EQ(rig->leds().leds[1].g, 0xff);
  run(rig, "led_off:1");
  CHECK_EQ(rig->leds().leds[1].g, 0);
  CHECK_EQ(rig->leds().leds[0].r, 0xff);
  run(rig, "led_all_off");
  for (const gl::Rgb& c : rig->leds().leds) CHECK(c.r == 0 && c.g == 0 && c.b == 0);
  run(rig, "brightness:12");
  CHECK_EQ(static_cast<int>(rig->brightness()), 12);
  run(rig, "spring_param:2003ff");
  CHECK_EQ(static_cast<int>(rig->leds().spring.k), 0x20);
  CHECK_EQ(static_cast<int>(rig->leds().spring.mass), 0xff);
}

TEST(commands_reset_asks_the_shell_to_reboot) {
  t::Rig rig;
  rig.drain();
  run(rig, "reset");
  const auto actions = rig.actions();
  CHECK_EQ(actions.size(), 1u);
  CHECK_EQ(actions.at(0), std::string("reboot"));
}

TEST(commands_status_answer_carries_data) {
  t::Rig rig;
  const std::string a = run(rig, "status");
  const std::string head = R"(ans:{"cmd":"status","ok":true,"data":{"id":"a1b2","version":"1.2.3")";
  CHECK_EQ(a.substr(0, head.size()), head);
  CHECK(a.find(R"("board":"seeed_xiao_esp32c3")") != std::string::npos);
  CHECK(a.find(R"("ota":{"state":"idle"})") != std::string::npos);
  CHECK_EQ(a.back(), '}');
}

TEST(commands_from_the_hub_one_answer_per_line_noise_ignored) {
  t::Rig rig;
  rig.online();
  rig->ws_receive("Connected to GroupLoop WebSocket server\nid:ok\npong\r\nled:00ff00\r\n\nbogus\n",
                  rig.now);
  const auto out = rig.ws();
  CHECK_EQ(out.size(), 2u);
  CHECK_EQ(out.at(0), std::string(R"(ans:{"cmd":"led","ok":true})"));
  CHECK_EQ(out.at(1), std::string(R"(ans:{"cmd":"bogus","ok":false,"error":"unknown_command"})"));
  CHECK(rig.serial().find("log: command refused") != std::string::npos);
}

TEST(vibration_runs_for_its_duration_and_a_new_one_replaces_it) {
  t::Rig rig;
  CHECK(!rig->motor_on());
  run(rig, "vibrate:200");
  CHECK(rig->motor_on());
  rig.advance(195);
  CHECK(rig->motor_on());
  rig.advance(5);
  CHECK(!rig->motor_on());
  run(rig, "vibrate:1000");
  rig.advance(100);
  run(rig, "vibrate:50");  // replaces the longer one
  rig.advance(50);
  CHECK(!rig->motor_on());
}

TEST(the_motor_stays_off_when_the_clock_is_2_pow_31_ms_past_a_vibration_or_the_boot) {
  t::Rig rig;
  rig.advance(0x80000000u, 0x10000000u);  // 24.8 days of uptime with no vibration
  CHECK(!rig->motor_on());
  run(rig, "vibrate:200");
  rig.advance(0x80000000u, 0x10000000u);  // 24.8 days after it ended
  CHECK(!rig->motor_on());
}
