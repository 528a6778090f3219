-- The name the reports write for a member whose official name is long ("SMBVB"); none:
-- its name.
ALTER TABLE members ADD COLUMN short_name TEXT;
