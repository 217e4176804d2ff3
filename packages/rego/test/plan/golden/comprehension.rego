# entrypoint: app/names
package app

names := [n | some u in input.users; n := u.name]
