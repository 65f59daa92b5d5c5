package images

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"

	"github.com/do86/do86/internal/demo"
)

// Entry is one image of the catalog: what it is, where it comes from, how it
// boots and how to check a download of it.
type Entry struct {
	// Name is what `do86 run NAME` and `do86 images pull NAME` take.
	Name string
	// Title is a one-line human name ("KolibriOS 0.7.7 nightly floppy").
	Title string
	// OS is the operating system's name.
	OS string
	// Boot is how the image boots: Floppy (drive A:), CDROM (El Torito),
	// HardDisk or Multiboot (a kernel loaded by do86 itself).
	Boot Kind
	// MemoryMiB is the guest RAM the image wants by default, in MiB.
	MemoryMiB int
	// AHCIDiskSize, when not 0, is the size of a blank disk the image wants
	// on an AHCI controller, in bytes.
	AHCIDiskSize int64
	// File is the file name the image has in an image directory and in the
	// cache.
	File string
	// URLs are tried in order; empty for an embedded image.
	URLs []string
	// Size is the exact size in bytes, 0 when not known.
	Size int64
	// SHA256 is the hex sha256 of the file, "" when not fixed; Unfixed then
	// says why, and the cache records the hash of the first download in a
	// sidecar file (File + ".sha256").
	SHA256  string
	Unfixed string
	// License names the licence(s) of what the image contains.
	License string
	// Description says in a sentence or two what the user will see.
	Description string
	// Embedded, when not nil, returns the image built into do86: no download.
	Embedded func() []byte
	// Verified says how do86's own tests boot this image and what they
	// check ("" when no test boots it: it could not be downloaded where
	// do86 is developed, so whether it boots is unknown).
	Verified string
}

// NotVerified is what `images info` says of an entry no test boots.
const NotVerified = "no: never booted by do86's tests (no copy could be downloaded where do86 is developed); it may or may not boot"

// Default is the catalog entry `do86 run` boots when it is given nothing.
const Default = "demo"

// demoSHA256 is the hash of the embedded demo image, computed once.
var demoSHA256 = sync.OnceValue(func() string {
	sum := sha256.Sum256(demo.Image())
	return hex.EncodeToString(sum[:])
})

// Catalog returns the images do86 knows by name, the embedded demo first. The
// slice is a fresh copy each call.
func Catalog() []Entry {
	out := make([]Entry, len(catalog))
	copy(out, catalog)
	for i := range out {
		out[i].URLs = append([]string(nil), out[i].URLs...)
		if out[i].Embedded != nil {
			out[i].SHA256 = demoSHA256()
		}
	}
	return out
}

// Lookup returns the entry named name (case-insensitive).
func Lookup(name string) (Entry, bool) {
	for _, e := range Catalog() {
		if strings.EqualFold(e.Name, name) {
			return e, true
		}
	}
	return Entry{}, false
}

// Names returns the catalog's names, in catalog order.
func Names() []string {
	var out []string
	for _, e := range catalog {
		out = append(out, e.Name)
	}
	return out
}

// tofu is the Unfixed text for images no copy of which could be fetched
// where do86 is developed: trust on first use.
const tofu = "not fixed: no copy could be downloaded here to pin it; the first download's hash is recorded and later copies must match it"

// notNightly is the Unfixed text for images rebuilt upstream every night.
const notNightly = "not fixed: nightly"

// The catalog. Sizes and hashes are set only where they are known for the
// exact bytes a URL serves: the project's test copies (sha256 from the
// shared test images' manifest) or a pinned commit. Sizes quoted from the
// v86 project's own image profiles are noted in comments but not enforced,
// because they could not be checked against the servers here.
var catalog = []Entry{
	{
		Name:        "demo",
		Title:       "do86 demo (embedded)",
		OS:          "do86 demo",
		Boot:        Floppy,
		MemoryMiB:   32,
		File:        "demo.img",
		Size:        1474560,
		Embedded:    demo.Image, // SHA256 is filled in by Catalog
		License:     "same as do86 (written for this project)",
		Description: "A tiny real-mode program of our own on a 1.44 MB floppy: VGA mode 13h, a title, a live RTC clock, the PIT tick count, typed keys echoed, a mouse pointer. Boots in well under a second, needs no download.",
		Verified:    "yes: internal/demo's TestDemoBoots boots this very image and checks its screen",
	},
	{
		Name:      "kolibri",
		Title:     "KolibriOS nightly floppy",
		OS:        "KolibriOS",
		Boot:      Floppy,
		MemoryMiB: 128,
		File:      "kolibri.img",
		// The official nightly first, the v86 project's copy as fallback.
		// Both change over time. The project's test copy (kernel
		// 0.7.7.0+8930, 02 Oct 2025) has sha256
		// 88fbb9af2adf0133a66d4ba258d0f4ed5b8820a788705fc1e35d73c5df291fb2.
		URLs: []string{
			"https://builds.kolibrios.org/en_US/data/data/kolibri.img",
			"https://i.copy.sh/kolibri.img",
			"https://copy.sh/v86/images/kolibri.img",
		},
		Size:        1474560, // a 1.44 MB floppy, whatever the build
		Unfixed:     notNightly,
		License:     "GPL-2.0-only (KolibriOS; bundled programs mostly GPL)",
		Description: "A graphical OS in assembly on one 1.44 MB floppy: a blue boot-settings screen that continues after 3 seconds, then a 1024x768 desktop with icons, a taskbar and a clock (needs VBE, PS/2 mouse, PIT, RTC).",
		Verified:    "yes, the project's test copy (kernel 0.7.7.0+8930): e2e TestTerminalKolibri and TestGvnccaptureKolibri reach its desktop, pkg/emu TestSnapshotKolibri snapshots it; a newer nightly is untested",
	},
	{
		Name:         "aqeous",
		Title:        "AqeousOS multiboot kernel with an AHCI disk",
		OS:           "AqeousOS",
		Boot:         Multiboot,
		MemoryMiB:    1024, // the original design's 3.5 GiB is beyond the core's 2047 MiB; 1024 MiB is the least it boots with
		AHCIDiskSize: 32 << 20,
		File:         "aqeous.bin",
		URLs: []string{
			"https://raw.githubusercontent.com/AshishKumar4/do86/0f663a7e44b25060b0794dd72d5dc0caca7e8336/public/assets/aqeous.bin",
		},
		Size:        633052,
		SHA256:      "68eeef28222f288b0f43d617038475844bd280615dc773d088dde666d7917310",
		License:     "MIT (per the AshishKumar4/do86 README; upstream Aqeous has no licence file)",
		Description: "A hobby multiprocessor kernel (ELF with a Multiboot 1 header) that probes ACPI, the APICs, PCI and an AHCI disk, starts a second CPU and ends at a lone \">\" prompt on the VGA text screen; it also logs to COM1.",
		Verified:    "yes, these exact bytes: e2e TestAqeousOS boots it to its \">\" prompt (MISSION ACCOMPLISHED on COM1), the screen matching QEMU's",
	},
	{
		Name:      "tinycore",
		Title:     "Tiny Core Linux 15.0 CD",
		OS:        "Tiny Core Linux",
		Boot:      CDROM,
		MemoryMiB: 256,
		File:      "TinyCore-15.0.iso",
		URLs:      []string{"http://tinycorelinux.net/15.x/x86/release/TinyCore-15.0.iso"},
		// Size and sha256 not verified here (no network): left unset.
		Unfixed:     tofu,
		License:     "GPL-2.0 (Linux, BusyBox, Tiny Core scripts); extensions under their own licences",
		Description: "Tiny Core Linux 15.0 (the 'TinyCore' flavour: Core plus the FLWM/X desktop): a boot: prompt, a Linux kernel log, then a small graphical desktop with a dock.",
	},
	{
		Name:      "tinycore11",
		Title:     "Tiny Core Linux 11.1 CD",
		OS:        "Tiny Core Linux",
		Boot:      CDROM,
		MemoryMiB: 256,
		File:      "TinyCore-11.1.iso",
		URLs:      []string{"http://tinycorelinux.net/11.x/x86/release/TinyCore-11.1.iso"},
		// Size and sha256 not verified here (no network): left unset.
		Unfixed:     tofu,
		License:     "GPL-2.0 (Linux, BusyBox, Tiny Core scripts); extensions under their own licences",
		Description: "Tiny Core Linux 11.1, the release the v86 project boots (it ships 11.0): kernel 5.4, a small X desktop.",
	},
	{
		Name:      "dsl",
		Title:     "Damn Small Linux 4.11 rc2 CD",
		OS:        "Damn Small Linux",
		Boot:      CDROM,
		MemoryMiB: 256,
		File:      "dsl-4.11.rc2.iso",
		URLs:      []string{"http://distro.ibiblio.org/damnsmall/release_candidate/dsl-4.11.rc2.iso"},
		// The v86 project's profile gives its copy of this file as
		// 52824064 bytes; not verified against ibiblio here, so unset.
		Unfixed:     tofu,
		License:     "GPL-2.0 (Linux, BusyBox, most of the distribution); some bundled programs under other free licences",
		Description: "Damn Small Linux 4.11 rc2 (2012, Knoppix-based, kernel 2.4): a boot: prompt, then a JWM/fluxbox X desktop in about 50 MB.",
	},
	{
		Name:      "helenos",
		Title:     "HelenOS 0.14.1 ia32 CD",
		OS:        "HelenOS",
		Boot:      CDROM,
		MemoryMiB: 256,
		File:      "HelenOS-0.14.1-ia32.iso",
		// 0.14.1 is the newest release the v86 project boots too.
		URLs: []string{"http://www.helenos.org/releases/HelenOS-0.14.1-ia32.iso"},
		// The v86 project's profile gives its copy as 25792512 bytes; not
		// verified against helenos.org here, so unset.
		Unfixed:     tofu,
		License:     "BSD-3-Clause (HelenOS; some components under other free licences)",
		Description: "HelenOS, a microkernel multiserver OS: GRUB, then a compositing desktop with a terminal window.",
	},
	{
		Name:      "linux4",
		Title:     "Minimal Linux 4 text-mode CD",
		OS:        "Linux",
		Boot:      CDROM,
		MemoryMiB: 128,
		File:      "linux4.iso",
		URLs: []string{
			"https://i.copy.sh/linux4.iso",
			"https://copy.sh/v86/images/linux4.iso",
		},
		// The v86 project's profile gives it as 7731200 bytes; not
		// verified here, so unset.
		Unfixed:     tofu,
		License:     "GPL-2.0 (Linux, BusyBox)",
		Description: "A small Linux 4 kernel with a BusyBox userland built by the v86 project: a kernel log on the VGA text screen, then a shell prompt.",
	},
}
