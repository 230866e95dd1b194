-- Removes the stuff back-end's tables.
DROP TABLE IF EXISTS ApiKey;
DROP TABLE IF EXISTS warden_api_key;
DROP TABLE IF EXISTS warden_schema;
DROP TABLE IF EXISTS Owned;
DROP TABLE IF EXISTS Stuff;
DROP TABLE IF EXISTS Utilisateur;
