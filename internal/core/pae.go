package core

// PAE page-table entries are 64 bits wide and can name physical addresses
// above 4 GiB. The core's page walk (cpu.rs do_page_walk and load_pdpte in
// v86's sources) reads each entry with memory::read64s and keeps only its
// low 32 bits, so an entry for 4 GiB + x silently names x: a guest that
// maps memory above 4 GiB (memory testers, kernels probing the physical
// address space) reads and overwrites its own low RAM, page tables and
// code included, and soon runs garbage.
//
// On a PC, physical addresses no RAM or device backs read as all ones and
// ignore writes, and nothing backs anything above 4 GiB here. patchPAE
// rewrites the module so that every entry the walk reads goes through a
// function of its own, paeEntry:
//
//	paeEntry(addr) = e := read64s(addr)
//	                 if e & paeAddrHigh == 0 { e }            // below 4 GiB
//	                 else { e & 0xFFF | Above4GiBWindow }     // flags kept
//
// that is, an entry naming an address above 4 GiB names the unbacked
// window instead (2 MiB aligned, so large pages fit too); the machine
// serves that window as all ones. The function is appended to the module
// (of read64s's own type), and the calls to read64s in do_page_walk (two:
// the page-directory and the page-table entry) and load_pdpte (four: the
// PDPT entries) are pointed at it. Each call keeps its length (the linker
// wrote every call target as a padded 5-byte LEB128, and so is the new
// one).

// Above4GiBWindow is the 2 MiB of physical address space that PAE
// entries naming memory above 4 GiB are redirected to. The machine must
// keep it unbacked (all ones, writes ignored): it lies below the BIOS
// mirror at the top of memory and above the IOAPIC, local APIC and the
// PCI memory window SeaBIOS allocates from.
const Above4GiBWindow = 0xFF000000

// Above4GiBWindowSize is the window's size: one PAE large page.
const Above4GiBWindowSize = 2 << 20

// paeAddrHigh are the address bits 32-51 of a PAE entry.
const paeAddrHigh = 0x000FFFFF_00000000

// patchPAE also makes PAE's 2 MiB pages work without CR4.PSE (below):
// memtest86+ and other PAE kernels set CR4.PAE alone, and the walk took
// their 2 MiB pages' data for page tables, sending the CPU into garbage
// (and the core into a stack overflow).

// The functions patchPAE works on, by their (mangled Rust) names.
const (
	fnRead64s   = "_RNvNtNtCslOG1uufA09K_3v863cpu6memory7read64s"
	fnPageWalk  = "_RNvNtNtCslOG1uufA09K_3v863cpu3cpu12do_page_walk"
	fnLoadPDPTE = "_RNvNtNtCslOG1uufA09K_3v863cpu3cpu10load_pdpte"
)

// patchPAE redirects PAE entries above 4 GiB to Above4GiBWindow (see
// above).
func patchPAE(m *wasmModule) error {
	read64, err := m.function(fnRead64s)
	if err != nil {
		return err
	}
	walk, err := m.function(fnPageWalk)
	if err != nil {
		return err
	}
	pdpte, err := m.function(fnLoadPDPTE)
	if err != nil {
		return err
	}
	// Large pages: with PAE a page-directory entry's PS bit makes a 2 MiB
	// page whatever CR4.PSE says (Intel SDM vol. 3, 4.4.2); the walk tests
	// cr4 & CR4_PSE (16) only, and with PAE alone takes a large page's
	// base for a page table. Test cr4 & (CR4_PSE|CR4_PAE) instead: the
	// same for 32-bit paging, right for PAE.
	pse := []byte{0x20, 8, 0x41, 0x10, 0x71, 0x45, 0x0D, 0, 0x20, 7, 0x41, 0x80, 0x01, 0x71}
	psePAE := append([]byte(nil), pse...)
	psePAE[3] = 0x30
	if err := m.replace(walk, pse, psePAE, 1, "CR4.PSE tests in do_page_walk"); err != nil {
		return err
	}
	entry := m.addFunction(m.funcType(read64), paeEntryBody(read64))
	old, repl := call(read64), call(entry)
	if err := m.replace(walk, append(old, opI32WrapI64), append(repl, opI32WrapI64), 2, "calls of read64s in do_page_walk"); err != nil {
		return err
	}
	return m.replace(pdpte, append(old, opI64Const), append(repl, opI64Const), 4, "calls of read64s in load_pdpte")
}

// paeEntryBody is the code of paeEntry (param i32 addr) (result i64), with
// one i64 local.
func paeEntryBody(read64 uint32) []byte {
	b := []byte{1, 1, 0x7E} // one local declaration: 1 × i64
	b = append(b, 0x20, 0)  // local.get 0 (addr)
	b = append(b, call(read64)...)
	b = append(b, 0x22, 1) // local.tee 1 (e)
	b = append(b, opI64Const)
	b = appendSLEB64(b, paeAddrHigh)
	b = append(b, 0x83, 0x50) // i64.and; i64.eqz
	b = append(b, 0x04, 0x7E) // if (result i64)
	b = append(b, 0x20, 1)    //   local.get 1
	b = append(b, 0x05)       // else
	b = append(b, 0x20, 1)    //   local.get 1
	b = append(b, opI64Const)
	b = appendSLEB64(b, 0xFFF)
	b = append(b, 0x83) //   i64.and
	b = append(b, opI64Const)
	b = appendSLEB64(b, Above4GiBWindow)
	b = append(b, 0x84)       //   i64.or
	b = append(b, 0x0B, 0x0B) // end; end
	return b
}
