/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Call gates (kwish_core.h, "Hooks"): how kwish calls a kernel function
 * that is not exported.  Each one is declared once, in <gates/DIR/FILE.h>
 * named after the kernel file that defines the function, as
 *
 *	KW_GATEn(ret, function, fail, type1, arg1, ..., typen, argn)
 *
 * with the kernel's own types.  That defines kw_gate_<function>(), a
 * function of the including module with the same prototype whose body,
 * "return fail;", runs only while the gate is not installed: it must fail
 * closed.  A feature lists KW_GATE_HOOK(function) among the hooks it
 * installs, and calls kw_gate_<function>().  A gate header includes no
 * kernel header but the one with the inlines of KW_GATE_IFn() (below):
 * include what defines its types first.
 *
 * Checked prototypes: at build time gates.sh preprocesses every header
 * in gates/ (with KWG_SCAN, against the target's compat_gen.h and
 * autoconf.h) and compares each KW_GATEn with the function's prototype
 * in the target kernel's BTF.  A mismatch makes KW_GATE_HOOK() refuse to
 * install ("its prototype differs"), so that the features that need the
 * gate report themselves unavailable; kwish's own test builds
 * (KWISH_LAYOUT_REQUIRED=1) fail instead.  A header that knows a kernel
 * has another prototype, which kwish does not need there, says so with
 * "#define KWG_BAD_<function> 1" under the compat probe that tells; the
 * scan then skips the gate.  KWG_ANY(type) declares an argument that
 * kwish only passes through, whose integer type differs between kernels
 * (bool in one, an enum in another): any integer type matches it.
 *
 * KW_GATE_IFn(CONFIG_X, ...) declares a function that exists only with
 * kernel option CONFIG_X (security/security.c's with CONFIG_SECURITY,
 * dnotify_flush() with CONFIG_DNOTIFY): without it the kernel's header
 * has an inline of the same name, which the gate then calls, and its
 * KW_GATE_HOOK() installs nothing.
 */
#ifndef _KWISH_GATE_H
#define _KWISH_GATE_H

/* __is_defined() of <linux/kconfig.h>, also for the scan */
#define __KWG_PLACEHOLDER_1			0,
#define __kwg_take_second(ignored, val, ...)	val
#define ___kwg_is_defined(arg_or_junk)	__kwg_take_second(arg_or_junk 1, 0)
#define __kwg_is_defined(val)		___kwg_is_defined(__KWG_PLACEHOLDER_##val)
#define _kwg_is_defined(x)		__kwg_is_defined(x)
/* 1 if the prototype of @name is known not to be this kernel's */
#define KWG_PROTO_BAD(name)		_kwg_is_defined(KWG_BAD_##name)

/* "type1, arg1, type2, arg2" -> "type1 arg1, type2 arg2" (or the args) */
#define __KWG_MAP1(m, t, a)		m(t, a)
#define __KWG_MAP2(m, t, a, ...)	m(t, a), __KWG_MAP1(m, __VA_ARGS__)
#define __KWG_MAP3(m, t, a, ...)	m(t, a), __KWG_MAP2(m, __VA_ARGS__)
#define __KWG_MAP4(m, t, a, ...)	m(t, a), __KWG_MAP3(m, __VA_ARGS__)
#define __KWG_MAP5(m, t, a, ...)	m(t, a), __KWG_MAP4(m, __VA_ARGS__)
#define __KWG_MAP6(m, t, a, ...)	m(t, a), __KWG_MAP5(m, __VA_ARGS__)
#define __KWG_MAP(n, ...)		__KWG_MAP##n(__VA_ARGS__)

#ifdef KWG_SCAN
/*
 * gates.sh's view: one line per gate,
 * "kwg_gate NAME SKIP RET kwg_arg TYPE1 kwg_arg TYPE2 ... kwg_end".
 */
#define KWG_ANY(type)			kwg_any
#define __KWG_SCAN_ARG(t, a)		kwg_arg t
#define __KW_GATE(n, ret, name, fail, ...)				\
	kwg_gate name KWG_PROTO_BAD(name) ret				\
	__KWG_MAP(n, __KWG_SCAN_ARG, __VA_ARGS__) kwg_end
#define __KW_GATE_IF(cond, n, ret, name, fail, ...)			\
	__KW_GATE(n, ret, name, fail, __VA_ARGS__)
#else /* !KWG_SCAN */

#include <linux/compiler.h>
#include <kwish_core.h>
#include <kwish_gates_gen.h>

/*
 * A call gate (noipa: never inlined, cloned or analysed across calls, so
 * its callers really call it, with the ABI of its prototype), and
 * traceable, so that its ftrace hook can divert it to the real function.
 * Also what KUnit marks its own hook targets with.
 */
#define KW_CALL_GATE	__attribute__((__noipa__))

#define KWG_ANY(type)			type
#define __KWG_DECL(t, a)		t a
#define __KWG_ARG(t, a)			a

/*
 * kwg_inline_<name>: the gate's body is the kernel's inline (no
 * install); kwg_bad_<name>: its prototype is not this kernel's.
 */
#define __KW_GATE(n, ret, name, fail, ...)				\
	static KW_CALL_GATE __maybe_unused ret				\
	kw_gate_##name(__KWG_MAP(n, __KWG_DECL, __VA_ARGS__))		\
	{								\
		return fail;						\
	}								\
	enum {								\
		kwg_inline_##name = 0,					\
		kwg_bad_##name = KWG_PROTO_BAD(name),			\
	};

#define __KW_GATE_INLINE(n, ret, name, fail, ...)			\
	static __maybe_unused ret					\
	kw_gate_##name(__KWG_MAP(n, __KWG_DECL, __VA_ARGS__))		\
	{								\
		return name(__KWG_MAP(n, __KWG_ARG, __VA_ARGS__));	\
	}								\
	enum {								\
		kwg_inline_##name = 1,					\
		kwg_bad_##name = 0,					\
	};

/* a gate if @cond (0 or 1) is 1, else a call of the kernel's inline */
#define __KW_GATE_IF(cond, n, ret, name, fail, ...)			\
	__KW_GATE_IF_(cond, n, ret, name, fail, __VA_ARGS__)
#define __KW_GATE_IF_(cond, ...)	__KW_GATE_IF_##cond(__VA_ARGS__)
#define __KW_GATE_IF_1(...)		__KW_GATE(__VA_ARGS__)
#define __KW_GATE_IF_0(...)		__KW_GATE_INLINE(__VA_ARGS__)

/* An entry of a struct kw_hook array: install gate @_name. */
#define KW_GATE_HOOK(_name)						\
	{								\
		.name = #_name " gate",					\
		.target_fn = kw_gate_##_name,				\
		.dest_sym = kwg_inline_##_name ? NULL : #_name,		\
		.inline_body = kwg_inline_##_name,			\
		.proto_bad = kwg_bad_##_name,				\
	}
#endif /* !KWG_SCAN */

#define KW_GATE1(ret, name, fail, ...)	__KW_GATE(1, ret, name, fail, __VA_ARGS__)
#define KW_GATE2(ret, name, fail, ...)	__KW_GATE(2, ret, name, fail, __VA_ARGS__)
#define KW_GATE3(ret, name, fail, ...)	__KW_GATE(3, ret, name, fail, __VA_ARGS__)
#define KW_GATE4(ret, name, fail, ...)	__KW_GATE(4, ret, name, fail, __VA_ARGS__)
#define KW_GATE5(ret, name, fail, ...)	__KW_GATE(5, ret, name, fail, __VA_ARGS__)
#define KW_GATE6(ret, name, fail, ...)	__KW_GATE(6, ret, name, fail, __VA_ARGS__)

/*
 * A gate to a function that exists only with kernel option @config; an
 * inline of the same name stands in without it (CONFIG_SECURITY,
 * CONFIG_SECURITY_PATH, CONFIG_DNOTIFY).
 */
#define __KW_GATE_IFN(n, config, ret, name, fail, ...)			\
	__KW_GATE_IF(_kwg_is_defined(config), n, ret, name, fail,	\
		     __VA_ARGS__)
#define KW_GATE_IF1(config, ...)	__KW_GATE_IFN(1, config, __VA_ARGS__)
#define KW_GATE_IF2(config, ...)	__KW_GATE_IFN(2, config, __VA_ARGS__)
#define KW_GATE_IF3(config, ...)	__KW_GATE_IFN(3, config, __VA_ARGS__)
#define KW_GATE_IF4(config, ...)	__KW_GATE_IFN(4, config, __VA_ARGS__)

#endif /* _KWISH_GATE_H */
