# --- install -------------------------------------------------------------------
#   make install [PREFIX=/usr/local] [DESTDIR=...]   the public header alone ($(PREFIX)/include/rill.h:
#                     the internal headers stay in src/), lib/librill.a, bin/rill,
#                     lib/pkgconfig/rill.pc (its Version from rill.h's RILL_VERSION_*) and the
#                     shipped models in share/rill/models
#   make install-test install into a temporary DESTDIR (PREFIX=/usr): one header under include/,
#                     and a plain C program (rill.h's usage example) built with gcc through
#                     pkg-config samples a shipped model (tests/install/run_tests.sh)
PREFIX ?= /usr/local
# "0.2.0" from RILL_VERSION_MAJOR/MINOR/PATCH.
RILL_VERSION = $(shell sed -n 's/^\#define RILL_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)$$/\2/p' src/rill/rill.h | paste -sd.)
# A C program linking the static library needs the C++ runtime the core uses, and threads (capi_threads.cpp).
.PHONY: install install-test
install: $(B)/librill.a $(B)/rill
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/bin \
	  $(DESTDIR)$(PREFIX)/share/rill/models
	install -m 644 $(B)/librill.a $(DESTDIR)$(PREFIX)/lib/
	install -m 644 src/rill/rill.h $(DESTDIR)$(PREFIX)/include/
	install -m 755 $(B)/rill $(DESTDIR)$(PREFIX)/bin/
	install -m 644 web/models/*.safetensors $(DESTDIR)$(PREFIX)/share/rill/models/
	printf 'prefix=%s\nlibdir=$${prefix}/lib\nincludedir=$${prefix}/include\n\nName: rill\nDescription: %s\nVersion: %s\nLibs: -L$${libdir} -lrill -lstdc++ -lm -pthread\nCflags: -I$${includedir}\n' \
	  '$(PREFIX)' 'flow-matching runtime in dependency-free C++17' '$(RILL_VERSION)' > $(DESTDIR)$(PREFIX)/lib/pkgconfig/rill.pc

install-test: $(B)/librill.a $(B)/rill
	bash tests/install/run_tests.sh $(B)
