// Package door is facegate's door controller: it drives the lock relay,
// reads the door contact, the request-to-exit (REX) button and the fire
// release input, and reports every transition as an Event.
//
// # Behaviour
//
//   - Start-up: Run drives the lock to its locked level before it reads any
//     input (and the gpiochip backend requests the lock line already at
//     that level), so a restart never leaves the door open by accident.
//   - Grant unlocks for Config.Release (default 5 s; Validate refuses less
//     than 3 s, ULC 60839-11-1). With relock_on_close the lock returns as
//     soon as the door has opened and closed (anti-tailgating).
//   - REX unlocks for the release time; a door opened during a grant, a REX
//     release or fire release is "opened", never "forced_open".
//   - Door contact: debounced; opening while locked is "forced_open";
//     staying open raises "held_open_prealarm" and "held_open_alarm".
//   - Fire release: while the fire input is active the lock is held
//     released and nothing relocks it (Grant returns ErrFireRelease,
//     release timers do not relock, shutdown leaves it released); it relocks
//     when the input clears. Fire release must also be wired in hardware:
//     the fire panel must cut the lock's power directly. facegate only
//     follows the input and logs that at start.
//   - Input read errors are "input_error" events and make the input's state
//     unknown; a failed read is never taken as "door closed" (IsOpen returns
//     ErrContactUnknown). The input counts again ("input_ok") after 500 ms
//     without errors, so a flapping line yields one event, not a flood. periph's gpioioctl Read logs and returns Low on a
//     failed ioctl, so the gpiochip backend issues its own line requests and
//     reads on the chip periph found, returning the ioctl error.
//   - Shutdown (context cancelled): Run returns the lock to its locked level,
//     except during fire release.
//
// Every timer is measured with an injected Clock; the doortest package has
// a fake clock and fake lines for tests.
//
// # Events
//
// Event kinds (the Kind constants): started, granted_unlock, rex, opened,
// closed, forced_open, held_open_prealarm, held_open_alarm, relocked,
// fire_release_on, fire_release_off, input_error, input_ok, lock_error,
// stopped. Each carries the clock reading (with its monotonic component),
// the monotonic time since start, a reason and the resulting door state.
//
// # Backends
//
// OpenLines picks a backend by Config.Backend from a registry:
// "gpiochip" (Linux GPIO character device, uAPI v2; lines by name or
// number on a chip chosen by name, label or path) and "sim" (in-memory,
// for the demo and tests; see Sim). An unknown name is an error listing
// the known ones.
//
// # What the hardware must guarantee when the process dies
//
// While facegate runs it holds the lock line at the level it chose. When
// the process exits or crashes, the kernel releases the line, and a
// released line "may revert to its default state" (Linux GPIO uAPI): the
// level is then whatever the SoC's reset default, the pull resistors and
// the relay driver make it, not what facegate last drove. So:
//
//   - Use a relay driver with a defined default: a pull resistor on the
//     driver input that holds the relay in the state you want when nothing
//     drives the line (at boot, after a crash, while the Pi is off).
//   - Fail-secure (strike, energise to unlock): pull the driver input so the
//     relay is de-energised; the door stays locked while facegate is down
//     and during power loss. People can still leave by the mechanical
//     handle; check local egress rules.
//   - Fail-safe (maglock, energise to lock): a de-energised default unlocks
//     the door whenever facegate is down; that is what fire codes expect of
//     maglocks, but it also means a crash opens the door. If that is not
//     acceptable, the default must energise the relay, and then fire release
//     and a hardware REX must cut the maglock's power independently of the
//     Pi.
//   - Fire release and emergency egress must never depend on this process.
//
// docs/door-wiring.md has the wiring checklist.
package door
