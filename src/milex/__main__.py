from milex.cli import main

main()
