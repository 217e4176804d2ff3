# Roles, groups and scopes from the claims of the common identity providers, as sets of strings, so a policy can ask
# `"admin" in idp.roles(input.jwt.payload)` whatever issued the token. See docs/identity-providers.md.
#
# Where each provider puts them (verified claims, `input.jwt.payload`):
#   scopes  `scope`: space-separated string (RFC 8693/9068, Auth0, Keycloak, Cognito, oidc-provider);
#           `scp`: space-separated string (Microsoft Entra ID) or array (Okta). Either claim may be an array.
#   roles   `roles`: array (Entra ID app roles; any provider with a `roles` claim);
#           `realm_access.roles` (Keycloak realm roles); `cognito:groups` (Amazon Cognito groups);
#           an Auth0 namespaced claim, a URL ending in `/roles` such as `https://example.com/roles`.
#   client roles  `resource_access.<client>.roles` (Keycloak): only through client_roles(payload, client), so a role
#           on another client never counts for this API.
#   groups  `groups` (Okta, Entra ID: group object ids), `cognito:groups`.
#   permissions  `permissions` (Auth0 RBAC with "Add Permissions in the Access Token").
#
# Values that are not strings are ignored; a missing or malformed claim contributes nothing (fail closed).
package lib.idp

# The caller's OAuth scopes.
scopes(payload) := words(object.get(payload, "scope", [])) | words(object.get(payload, "scp", []))

# The caller's roles, from every provider-wide layout (not Keycloak client roles: see client_roles).
roles(payload) := ((string_values(object.get(payload, "roles", [])) | string_values(object.get(payload, ["realm_access", "roles"], []))) | string_values(object.get(payload, "cognito:groups", []))) | namespaced(payload, "roles")

# Keycloak client roles for one client (`resource_access.<client>.roles`), e.g. the API's own client id.
client_roles(payload, client) := string_values(object.get(payload, ["resource_access", client, "roles"], []))

# Group names or ids (`groups`, `cognito:groups`).
groups(payload) := string_values(object.get(payload, "groups", [])) | string_values(object.get(payload, "cognito:groups", []))

# Auth0 RBAC permissions (`permissions`), and namespaced `.../permissions` claims.
permissions(payload) := string_values(object.get(payload, "permissions", [])) | namespaced(payload, "permissions")

has_scope(payload, scope) if scope in scopes(payload)

has_role(payload, role) if role in roles(payload)

# ---- helpers

# A space-separated string (RFC 6749 §3.3 scope syntax) or an array of strings, as a set of its words.
words(value) := {word | some word in split(value, " "); word != ""} if is_string(value)

words(value) := string_values(value) if not is_string(value)

# The strings of an array (other elements ignored); a lone string is a one-element set; anything else is empty.
string_values(value) := {value} if is_string(value)

string_values(value) := {item | some item in value; is_string(item)} if is_array(value)

string_values(value) := set() if {
	not is_string(value)
	not is_array(value)
}

# Values of Auth0-style namespaced claims: the claim name is an http(s) URL whose last path segment is `name`.
namespaced(payload, name) := {item |
	some claim, value in payload
	is_string(claim)
	namespaced_claim(claim, name)
	some item in string_values(value)
}

namespaced_claim(claim, name) if {
	startswith(claim, "https://")
	endswith(claim, concat("", ["/", name]))
}

namespaced_claim(claim, name) if {
	startswith(claim, "http://")
	endswith(claim, concat("", ["/", name]))
}
