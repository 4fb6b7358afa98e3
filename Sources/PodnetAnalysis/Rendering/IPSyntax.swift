import PodnetModel

/// Evidence lines in `ip` syntax, through PodnetModel's `ipSyntax` renderings with the snapshot's
/// interface names.
struct IPSyntax {
    let names: InterfaceNames

    init(links: [Link]) {
        names = InterfaceNames(links)
    }

    func route(_ route: Route) -> String { route.ipSyntax(names) }
    func neighbour(_ neighbour: Neighbour) -> String { neighbour.ipSyntax(names) }
    func fdb(_ entry: FDBEntry) -> String { entry.ipSyntax(names) }
    func rule(_ rule: Rule) -> String { rule.ipSyntax() }
    func address(_ address: Address) -> String { address.ipSyntax(names) }
    func link(_ link: Link) -> String { link.ipSyntax(names) }
}
