/* Included into every C file of the bundle's Python (CFLAGS=-include, installer/deb/bullseye_bundle.sh).
 * glibc 2.29 gave exp, exp2, log, log2 and pow new symbol versions (faster, same results); a
 * program linked on a newer glibc asks for them and will not start on glibc 2.28 (UOS 20).
 * These lines bind the calls to the versions every glibc since 2.2.5 has (x86-64). */
#if defined(__x86_64__) && !defined(__ASSEMBLER__)
__asm__(".symver exp,exp@GLIBC_2.2.5");
__asm__(".symver exp2,exp2@GLIBC_2.2.5");
__asm__(".symver log,log@GLIBC_2.2.5");
__asm__(".symver log2,log2@GLIBC_2.2.5");
__asm__(".symver pow,pow@GLIBC_2.2.5");
#endif
