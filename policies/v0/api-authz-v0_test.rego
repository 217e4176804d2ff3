# Unit tests for the classic example policy in v0 syntax (compile with v0Compatible / --v0-compatible), run by
# test/policies/policies.test.ts. The input has the classic example's own shape: input.jwt.payload.roles and input.method.
package authz_test

admin := {"roles": ["admin"]}

reader := {"roles": ["reader"]}

test_admin_post_is_allowed {
	data.authz.allow with input as {"method": "POST", "jwt": {"payload": admin}}
}

test_admin_among_other_roles_post_is_allowed {
	data.authz.allow with input as {"method": "POST", "jwt": {"payload": {"roles": ["reader", "admin"]}}}
}

test_admin_get_is_denied {
	not data.authz.allow with input as {"method": "GET", "jwt": {"payload": admin}}
}

test_reader_post_is_denied {
	not data.authz.allow with input as {"method": "POST", "jwt": {"payload": reader}}
}

test_missing_roles_is_denied {
	not data.authz.allow with input as {"method": "POST", "jwt": {"payload": {"sub": "x"}}}
}

test_missing_token_is_denied {
	not data.authz.allow with input as {"method": "POST"}
}

# `default allow = false`: the rule is false, not undefined, when nothing matches.
test_default_is_false_not_undefined {
	data.authz.allow == false with input as {"method": "GET"}
}
