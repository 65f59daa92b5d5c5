// Package layers holds no code: its test checks the project's import rules
// (docs/DESIGN.md), so that a change that breaks them fails `make test`.
//
//   - A chip (internal/dev/<name>) imports no other chip; only the golden
//     state test of internal/dev/states sees them all.
//   - The sinks (pkg/display and below) never import the machine (pkg/emu),
//     the core or the chips: they see frames, text and input only.
//   - Nothing under internal/ imports pkg/emu's machine or cmd/, except the
//     packages that drive whole machines (bench, demo tests).
package layers
