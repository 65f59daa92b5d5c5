// Package script drives a do86 machine the way a person at its keyboard
// would, for tests of operating systems: wait for COM1 output, the text
// screen or a picture; type, press key combinations, move and click the
// mouse; take screenshots; save and restore snapshots; assert; power off.
// Each of these is a method of Session (the Go API) and a step of a script
// file (the same steps, read by Parse), which Session.Run runs with each
// step's outcome and timing for the TAP and JUnit reports of report.go.
//
// # Script files
//
// A script is UTF-8 text, one step per line. Blank lines are skipped, and
// '#' starts a comment where a word could start (outside quotes), up to the
// end of the line:
//
//	# boot.do86: FreeDOS boots and lists its floppy
//	timeout 90s                     # waits below give up after 90 s
//	wait text 'A:\\>'               # the prompt on the text screen
//	type "dir\n"                    # \n is the Enter key
//	wait text 'bytes free'
//	assert text 'COMMAND +COM' "COMMAND.COM is not listed"
//	screenshot dir.png
//	poweroff
//
// A line is split into words at spaces and tabs. A word may be quoted, or
// partly quoted: between single quotes everything is literal (no escapes:
// a regular expression keeps its backslashes as written); between double
// quotes the Go string escapes apply (\n, \t, \\, \", \xHH, \u00e9, ...).
// An unquoted word ends at a space or a tab. The first word names
// the step (with wait, assert and mouse, the first two words); then come
// its arguments, then options, words of the form name=value (name
// unquoted, as in timeout=30s or message="no prompt").
//
// Regular expressions are Go's (RE2 syntax, see regexp/syntax); (?m) makes
// ^ and $ match at line ends, (?i) ignores case. Durations are Go's (1.5s,
// 2m, 300ms). File names are relative to the script's directory.
//
// # Steps
//
//	test NAME...
//	    The steps after this line, up to the next test line, are the test
//	    NAME (the rest of the line). A step that fails skips the rest of its
//	    test only; the next test runs. The steps before the first test are
//	    the setup: a failure there skips everything. Tests usually start
//	    with a restore of a snapshot the setup saved.
//	timeout DURATION
//	    Waits after this line give up after DURATION (initially 60s; a step's
//	    own timeout= option overrides it for that step).
//	wait serial RE [timeout=D]
//	    COM1 output matches RE. Serial waits consume output like expect: the
//	    search starts after the end of the previous serial match (or the
//	    last restore), so output that came before this step still counts.
//	wait text RE [timeout=D]
//	    The text-mode screen (rows joined by newlines, trailing blanks
//	    trimmed) matches RE; a graphics mode never matches.
//	wait screen FILE.png [tolerance=T] [region=X,Y,W,H | at=X,Y] [timeout=D]
//	    The screen is the size of the PNG and its mean RGB difference from it
//	    (0-255) is at most T (default 8), compared within the region only
//	    when one is given. With at=X,Y the PNG is a piece of the screen (a
//	    window, a button) whose top-left corner is at X,Y.
//	wait poweroff [timeout=D]
//	    The guest turns the machine off.
//	sleep DURATION
//	    Let the guest run for DURATION.
//	type TEXT [delay=D]   (D between characters)
//	    Type TEXT on a US keyboard: \n is Enter, \t Tab, \b Backspace,
//	    \x1b Esc; Shift is held for the characters that need it.
//	key COMBO...
//	    Press key combinations in turn: key ctrl+alt+del, key alt+f4 enter
//	    (names as in pkg/input's ParseCombo: ctrl alt shift win esc enter
//	    tab del f1-f12 up pgdn ..., a character, or a raw scancode 0x1d).
//	send TEXT
//	    Write TEXT to the guest's COM1 receiver (a serial console's input).
//	mouse move X Y
//	mouse click X Y [button=left|right|middle] [count=N]
//	mouse down X Y [button=...]    (press and hold, for dragging)
//	mouse up X Y [button=...]
//	    The pointer to screen pixel X,Y (of the screen as it is), and the
//	    button pressed and released N times (2: a double click).
//	screenshot FILE.png
//	    Write the screen as a PNG.
//	save NAME
//	    Save a snapshot of the running machine as NAME in the session's
//	    store.
//	restore NAME
//	    Put the running machine back to the snapshot NAME (of a machine with
//	    the same media): a suite boots once, saves, and starts each test from
//	    the snapshot in well under a second.
//	assert serial|text|screen ARGS... [MESSAGE]
//	assert not serial|text|screen ARGS... [MESSAGE]
//	    Check at once, without waiting: the COM1 output since the start (or
//	    the last restore) contains a match of RE; the text screen matches RE;
//	    the screen matches FILE.png (tolerance=, region= and at= as for
//	    wait). A
//	    false assertion fails the step with MESSAGE when one is given.
//	poweroff
//	    Stop the machine (pulling the plug); steps after it are errors.
//
// A step fails when its condition is not met (a wait that timed out, an
// assertion that did not hold, a machine that stopped while a wait was
// on); it errs when it could not be carried out (a missing snapshot, a file
// that cannot be written). A failure or error skips the rest of its test
// (everything, in the setup or when the core crashed); skipped steps are
// reported as such.
//
// A suite boots once and starts each test from a snapshot:
//
//	timeout 2m
//	wait text 'A:\>'
//	save booted
//
//	test the listing
//	restore booted
//	type "dir\n"
//	wait text 'bytes free'
//
//	test the shell's version
//	restore booted
//	type "ver\n"
//	wait text 'FreeCom version'
//
// # Pointer
//
// Mouse steps go through an input.Pointer, which puts the guest's pointer at a
// point of the screen. The default moves a relative (PS/2) mouse: it first
// pushes the pointer into the top-left corner, then moves it in small,
// paced steps, which a guest that does not accelerate small motion follows
// exactly. An absolute pointing device (a USB tablet) makes this exact in
// every guest; Options.Pointer selects another input.Pointer.
package script
