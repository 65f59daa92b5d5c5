// Package states holds the tests of every device's snapshot state
// (bus.Stateful), across the chips: a golden file of each State struct's
// kind, version and shape (testdata/states.golden) that fails when a struct
// changes without a version bump, and a round trip of each device's state
// through a snapshot's encoding into a fresh device. It has no code of its
// own; a new stateful device is added to its table in devices_test.go.
package states
