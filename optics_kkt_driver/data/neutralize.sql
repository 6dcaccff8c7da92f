-- Devices of a copied database stay off: one cash register is driven by one
-- database only.
UPDATE kkt_device SET active = false;
