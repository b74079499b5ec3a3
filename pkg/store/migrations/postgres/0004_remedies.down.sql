DROP TABLE remedy_instructions;
