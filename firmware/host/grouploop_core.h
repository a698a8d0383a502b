/*
 * C API of the GroupLoop firmware core, built for the host as libgrouploop_core.so.
 *
 * The core does no I/O. The caller (the Python emulator, or a test) feeds it time, sensor
 * samples, connection events, received WebSocket messages and serial console lines, then
 * drains what the core produced: WebSocket messages to send, serial output, actions for the
 * shell (connect, reboot, OTA, save configuration), pixel colours and motor state.
 *
 * All strings are NUL-terminated UTF-8. Functions that copy text out take a buffer and its
 * capacity and return the length written (without the NUL), 0 when there is nothing, or
 * -(needed length + 1) when the buffer is too small (nothing is consumed in that case).
 * A gl_device is not thread-safe; different devices are independent.
 */
#ifndef GROUPLOOP_CORE_H
#define GROUPLOOP_CORE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* For C callers' buffer sizes; gl_api.cpp checks it against the core at compile time.
 * Bindings read gl_num_pixels() instead of repeating the number. */
#define GL_NUM_PIXELS 6
#define GL_NUM_BEACONS 4 /* order: NW, NE, SE, SW */

typedef struct gl_device gl_device;

/* Creates a device. `config_json` may be NULL or "" for defaults; an invalid configuration
 * falls back to defaults and the reason is printed on the serial console. `mac` is the
 * 6-byte Wi-Fi MAC (the device id is its last two bytes as 4 lowercase hex). `version` and
 * `board` name the running image. The boot line is queued on the serial output. */
gl_device *gl_create(const char *config_json, const uint8_t mac[6], const char *version,
                     const char *board, uint32_t now_ms);
void gl_destroy(gl_device *dev);

/* Advances the core to `now_ms` (monotonic milliseconds): patterns, vibration timers,
 * connection state machine, 20 Hz frame emission. Call it often (every few ms). */
void gl_tick(gl_device *dev, uint32_t now_ms);

/* Sensor inputs: the latest accelerometer sample in g, the latest beacon RSSI in dBm
 * (index per GL_NUM_BEACONS order; a missing beacon is -100), and a tap event reported by
 * the accelerometer's click detector (a sample with |a| > 3 g also counts as a tap). */
void gl_set_accel(gl_device *dev, float ax_g, float ay_g, float az_g);
void gl_set_rssi(gl_device *dev, int beacon, int rssi_dbm);
void gl_tap(gl_device *dev); /* dated at the last tick or event */

/* Connection events reported by the shell. Reporting the close of a socket the core asked
 * to drop ("ws_disconnect") is allowed and changes nothing. */
void gl_wifi_event(gl_device *dev, int connected, uint32_t now_ms);
void gl_ws_event(gl_device *dev, int connected, uint32_t now_ms);
/* A text message received from the hub (may hold several '\n'-separated lines). */
void gl_ws_receive(gl_device *dev, const char *text, uint32_t now_ms);
/* One line typed on the serial console (without the line ending). */
void gl_serial_line(gl_device *dev, const char *line, uint32_t now_ms);
/* The result of an OTA the shell attempted after an "ota" action: ok=0 keeps the running
 * image; `reason` is reported. ok=1 counts only after gl_ota_verify accepted the image. */
void gl_ota_result(gl_device *dev, int ok, const char *reason, uint32_t now_ms);

/* Signed firmware (docs/security.md). At start-up, right after gl_create: trust one OTA
 * signing key, the DER SubjectPublicKeyInfo of an EC P-256 public key, as the firmware build
 * compiles them in. Returns 1, or 0 when it is not one (logged). */
int gl_trust_key(gl_device *dev, const uint8_t *der, int len);
/* During an OTA: every downloaded byte, in order, as it is written to the inactive slot. */
void gl_ota_data(gl_device *dev, const uint8_t *data, int len);
/* The download is complete: `signature_b64` is the signature sent with the image (base64 of
 * the DER ECDSA signature of its SHA-256; "" when none came). Returns 1 when the image may
 * become the boot image (then report gl_ota_result), 0 when it is refused: the device has
 * already answered with the reason; discard the image and report nothing more. */
int gl_ota_verify(gl_device *dev, const char *signature_b64, uint32_t now_ms);

/* Outputs. */
int gl_next_ws_message(gl_device *dev, char *buf, int cap); /* pops one outgoing message */
int gl_read_serial(gl_device *dev, char *buf, int cap);     /* drains serial output text */
/* Pops one action for the shell, as "<verb>[ <argument>]":
 *   "wifi_connect <ssid>"   "ws_connect <url>"   "ws_disconnect"
 *   "reboot"                "ota <url>"          "save_config <json>"
 * "wifi_connect" has no argument when no SSID is configured and never carries the password
 * (the shell reads it from the configuration); "save_config" carries the whole configuration,
 * password included, to be persisted, never shown. After "ota" the shell
 * reports gl_ota_result and does not reboot by itself: the core asks for "reboot". */
int gl_next_action(gl_device *dev, char *buf, int cap);
/* Pixel colours after pattern and brightness: GL_NUM_PIXELS * 3 bytes, r g b per pixel. */
int gl_num_pixels(void); /* = GL_NUM_PIXELS, for bindings that cannot read the macro */
void gl_pixels(const gl_device *dev, uint8_t *rgb_out);
uint8_t gl_brightness(const gl_device *dev);
int gl_motor_on(const gl_device *dev);
/* The device id, 4 lowercase hex chars plus NUL. */
void gl_device_id(const gl_device *dev, char out[5]);
/* A JSON snapshot of the device's state (same object as the "status" answer's data). */
int gl_status_json(const gl_device *dev, char *buf, int cap);
/* The configured CA certificate (PEM, "" when none): the shell verifies wss:// and https://
 * servers against it, as the ESP32 shell hands it to its TLS clients. */
int gl_ca_cert(const gl_device *dev, char *buf, int cap);
/* Bytes of memory one device instance holds (for the memory-per-device report). */
uint32_t gl_instance_size(void);

#ifdef __cplusplus
}
#endif

#endif
