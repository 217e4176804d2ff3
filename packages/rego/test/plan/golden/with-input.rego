# entrypoint: app/check
package app

admin if input.role == "admin"

check if admin with input.role as "admin"
