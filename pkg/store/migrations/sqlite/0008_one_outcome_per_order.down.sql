DROP INDEX disputes_order;
